"""The exemestane bone-health guidance as code and data: targets, rules, education. No Flask, no database."""
