"""The built web app, served by the API process at `/`."""
