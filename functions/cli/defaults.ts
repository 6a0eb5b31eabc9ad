/** Default folders of the embedded runtime, relative to where the CLI is started. */
export const DEFAULT_LAKE_DIR = "out/lake";
export const DEFAULT_OUT_DIR = "out";
export const DEFAULT_CONFIG_DIR = "config";
