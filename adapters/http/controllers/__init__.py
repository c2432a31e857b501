"""Controllers translate HTTP to application calls and back; the rules live in the application."""
