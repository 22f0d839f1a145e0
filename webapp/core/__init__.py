"""What every layer shares: the error vocabulary of the service layer."""
