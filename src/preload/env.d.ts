/** `import.meta.env` (MODE, DEV, PROD) as electron-vite defines it for the preload build. */
/// <reference types="electron-vite/node" />
