/** The action's version, as package.json gives it (a test keeps the two equal): SARIF's tool version. */
export const ACTION_VERSION = '0.1.0'
