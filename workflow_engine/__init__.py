"""A container-native workflow engine compatible with Argo Workflows YAML."""

__version__ = "0.1.0"
