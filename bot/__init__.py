"""Nam Định COVID-19 vaccination bot for Zalo Official Account."""
