#!/bin/bash
# After removing the .deb: undo after-install.tpl — the two commands on PATH and the AppArmor profile.
# electron-builder fills in ${executable} and ${sanitizedProductName}.

unlink_command() {
    local name="$1" target="$2"
    # update-alternatives --remove takes the registered target, not the generic link.
    if type update-alternatives >/dev/null 2>&1; then
        update-alternatives --remove "$name" "$target" || true
    fi
    if [ -L "/usr/bin/$name" ] && [ ! -e "/usr/bin/$name" ]; then
        rm -f "/usr/bin/$name"
    fi
}

unlink_command '${executable}' '/opt/${sanitizedProductName}/${executable}'
unlink_command 'latchkey' '/opt/${sanitizedProductName}/resources/bin/latchkey'

APPARMOR_PROFILE_DEST='/etc/apparmor.d/${executable}'
if [ -f "$APPARMOR_PROFILE_DEST" ]; then
  if apparmor_status --enabled > /dev/null 2>&1; then
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --remove "$APPARMOR_PROFILE_DEST" || true
    fi
  fi
  rm -f "$APPARMOR_PROFILE_DEST"
fi
