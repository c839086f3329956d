"""The review workspace: a web app over the store (``callqa serve``)."""
