@echo off
rem The `latchkey` command of an installed Latchkey on Windows: the CLI runs on the app's own Electron
rem binary in Node mode (ELECTRON_RUN_AS_NODE), so no separate Node.js is needed. Installed as
rem resources\bin\latchkey.cmd; add that folder to PATH to type `latchkey` anywhere.
setlocal
set "ELECTRON_RUN_AS_NODE=1"
"%~dp0..\..\Latchkey.exe" "%~dp0..\app.asar\bin\latchkey.js" %*
exit /b %ERRORLEVEL%
