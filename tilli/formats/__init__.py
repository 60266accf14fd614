"""Date, time and number formats where Django's own do not suit a European business (FORMAT_MODULE_PATH)."""
