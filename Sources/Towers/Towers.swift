// The umbrella module: `import Towers` brings in tensors and autodiff
// (TowersCore), variables and scopes (Variables), layers (Layers), tower
// composition and losses (Models), and training, checkpoints and data (Train).
@_exported import Layers
@_exported import Models
@_exported import TowersCore
@_exported import Train
@_exported import Variables
