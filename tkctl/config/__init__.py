"""Reading the user's config directory: settings, YAML objects, schema and reference checks."""
