"""The Jobs panel: dispatch Python functions to worker processes and follow them."""
