#!/usr/bin/env bash
# Sign "Aurous Reviewer.app" with a Developer ID, notarize it with Apple and staple the
# ticket, so Gatekeeper opens it without a warning. Run on macOS by build.py when
# MACOS_SIGN_IDENTITY is set:
#
#   MACOS_SIGN_IDENTITY   "Developer ID Application: Aurous Labs (TEAMID)" (required)
#   MACOS_CERTIFICATE_P12 base64 of that certificate and key, with
#   MACOS_CERTIFICATE_PASSWORD   to import it into a throwaway keychain (CI); omit both
#                         when the identity is already in the login keychain
#   Notarization, either  NOTARY_KEYCHAIN_PROFILE (made with `xcrun notarytool
#                         store-credentials`), or APPLE_ID, APPLE_TEAM_ID and
#                         APPLE_APP_PASSWORD (an app-specific password);
#                         MACOS_SKIP_NOTARIZE=1 signs only.
set -euo pipefail

app="${1:?usage: sign-and-notarize.sh "path/to/Aurous Reviewer.app"}"
identity="${MACOS_SIGN_IDENTITY:?set MACOS_SIGN_IDENTITY to the Developer ID Application identity}"
here="$(cd "$(dirname "$0")" && pwd)"
entitlements="$here/entitlements.plist"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ -n "${MACOS_CERTIFICATE_P12:-}" ]]; then
  keychain="$work/signing.keychain-db"
  password="$(uuidgen)"
  security create-keychain -p "$password" "$keychain"
  security set-keychain-settings -lut 3600 "$keychain"
  security unlock-keychain -p "$password" "$keychain"
  printf '%s' "$MACOS_CERTIFICATE_P12" | base64 --decode > "$work/cert.p12"
  security import "$work/cert.p12" -k "$keychain" \
    -P "${MACOS_CERTIFICATE_PASSWORD:?set MACOS_CERTIFICATE_PASSWORD}" -T /usr/bin/codesign
  security set-key-partition-list -S apple-tool:,apple: -s -k "$password" "$keychain" >/dev/null
  mapfile -t keychains < <(security list-keychains -d user | sed -e 's/^ *"//' -e 's/"$//')
  security list-keychains -d user -s "$keychain" "${keychains[@]}"
fi

sign() {
  codesign --force --timestamp --options runtime --sign "$identity" "$@"
}

# Inside out: every library and plug-in, then the frameworks, then the app that seals
# them. Only the app's executable carries the entitlements.
while IFS= read -r -d '' file; do
  if file -b "$file" | grep -q 'Mach-O'; then
    sign "$file"
  fi
done < <(find "$app/Contents" -type f \( -name '*.dylib' -o -name '*.so' -o -perm -u+x \) \
  ! -path "$app/Contents/MacOS/aurous-reviewer" -print0)
while IFS= read -r -d '' framework; do
  sign "$framework"
done < <(find "$app/Contents" -type d -name '*.framework' -print0 | sort -rz)
sign --entitlements "$entitlements" "$app/Contents/MacOS/aurous-reviewer"
sign --entitlements "$entitlements" "$app"
codesign --verify --deep --strict --verbose=2 "$app"

if [[ "${MACOS_SKIP_NOTARIZE:-}" == "1" ]]; then
  echo "signed $app (not notarized: MACOS_SKIP_NOTARIZE=1)"
  exit 0
fi

zip="$work/notarize.zip"
ditto -c -k --keepParent "$app" "$zip"
if [[ -n "${NOTARY_KEYCHAIN_PROFILE:-}" ]]; then
  xcrun notarytool submit "$zip" --keychain-profile "$NOTARY_KEYCHAIN_PROFILE" --wait
else
  xcrun notarytool submit "$zip" \
    --apple-id "${APPLE_ID:?set APPLE_ID or NOTARY_KEYCHAIN_PROFILE}" \
    --team-id "${APPLE_TEAM_ID:?set APPLE_TEAM_ID}" \
    --password "${APPLE_APP_PASSWORD:?set APPLE_APP_PASSWORD}" \
    --wait
fi
xcrun stapler staple "$app"
spctl --assess --type execute --verbose=2 "$app"
echo "signed, notarized and stapled $app"
