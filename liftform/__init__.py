"""liftform: watch a lift and tell a safe hip hinge from a rounded back, frame by frame and rep by rep."""

__version__ = "0.1.0"
