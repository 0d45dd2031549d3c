"""One module per console page or group of pages."""
