"""CultivAR application package."""
