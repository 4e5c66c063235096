"""A demo clinic to explore the app with: `flask --app app demo seed`."""
