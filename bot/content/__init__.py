"""Curated content: loading, validating and watching faq.yaml and hotlines.yaml."""
