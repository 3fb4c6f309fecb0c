"""The HTML pages: the Developer Center, the review console, the mall admin, logins."""
