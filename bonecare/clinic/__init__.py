"""The clinic in a browser: server-rendered pages for clinicians under /clinic/, calling the API's use cases."""
