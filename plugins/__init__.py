"""Built-in department plugins; each subpackage is an ordinary pluggy plugin."""
