"""The live training app's panels: one module per part of the screen, and the scene that lays them out."""
