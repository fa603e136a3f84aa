#!/bin/bash
# After installing the .deb: electron-builder's own steps (the app binary on PATH, the Chromium sandbox
# helper's mode, MIME and desktop databases, the AppArmor profile), plus the `latchkey` command, which is
# the CLI launcher shipped in resources/bin (it runs the CLI on the app's Electron binary in Node mode).
# electron-builder fills in ${executable} and ${sanitizedProductName}.

link_command() {
    local name="$1" target="$2"
    if type update-alternatives >/dev/null 2>&1; then
        # Remove a previous plain link so update-alternatives can manage the name.
        if [ -L "/usr/bin/$name" -a -e "/usr/bin/$name" -a "`readlink "/usr/bin/$name"`" != "/etc/alternatives/$name" ]; then
            rm -f "/usr/bin/$name"
        fi
        update-alternatives --install "/usr/bin/$name" "$name" "$target" 100 || ln -sf "$target" "/usr/bin/$name"
    else
        ln -sf "$target" "/usr/bin/$name"
    fi
}

link_command '${executable}' '/opt/${sanitizedProductName}/${executable}'
link_command 'latchkey' '/opt/${sanitizedProductName}/resources/bin/latchkey'
chmod 0755 '/opt/${sanitizedProductName}/resources/bin/latchkey' || true

# Check if user namespaces are supported by the kernel and working with a quick test:
if ! { [[ -L /proc/self/ns/user ]] && unshare --user true; }; then
    # Use SUID chrome-sandbox only on systems without user namespaces:
    chmod 4755 '/opt/${sanitizedProductName}/chrome-sandbox' || true
else
    chmod 0755 '/opt/${sanitizedProductName}/chrome-sandbox' || true
fi

if hash update-mime-database 2>/dev/null; then
    update-mime-database /usr/share/mime || true
fi

if hash update-desktop-database 2>/dev/null; then
    update-desktop-database /usr/share/applications || true
fi

# AppArmor profile (Ubuntu 24.04 and later restrict unprivileged user namespaces without one). Skipped
# where the running AppArmor cannot parse the profile (Ubuntu 22.04), and inside a chroot.
if apparmor_status --enabled > /dev/null 2>&1; then
  APPARMOR_PROFILE_SOURCE='/opt/${sanitizedProductName}/resources/apparmor-profile'
  APPARMOR_PROFILE_TARGET='/etc/apparmor.d/${executable}'
  if apparmor_parser --skip-kernel-load --debug "$APPARMOR_PROFILE_SOURCE" > /dev/null 2>&1; then
    cp -f "$APPARMOR_PROFILE_SOURCE" "$APPARMOR_PROFILE_TARGET"
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --replace --write-cache --skip-read-cache "$APPARMOR_PROFILE_TARGET"
    fi
  else
    echo "Skipping the installation of the AppArmor profile as this version of AppArmor does not seem to support the bundled profile"
  fi
fi
