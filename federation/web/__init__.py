"""The people's door: the web pages (sign-in first; the territory's pages plug in the same way),
served on `web.listen` with sessions, CSRF tokens and French or English from one catalog."""
