"""Staff accounts: passwords (passwords.py) and what creates and changes an account
(accounts.py); `flask users …` in portal/cli.py."""
