"""Process instances and human tasks: the service layer, permissions, inbox queries and pages."""
