"""Redis: the only package that imports redis."""
