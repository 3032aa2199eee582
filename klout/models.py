"""The project package holds no models of its own."""
