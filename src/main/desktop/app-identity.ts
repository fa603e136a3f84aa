/**
 * The app's identity as the OS knows it. electron-builder.config.ts registers the same id with the
 * installers (test/packaging.test.ts compares them): Windows groups the taskbar and notifications by it,
 * macOS uses it as the bundle identifier.
 */
export const APP_ID = 'dev.latchkey.app';
