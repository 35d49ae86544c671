"""The Profiles panel and the profile editor."""
