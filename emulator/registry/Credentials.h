#pragma once

#include <optional>

#include <QString>
#include <QStringList>

namespace Fcemu::Registry {

struct Credentials
{
    QString username;
    QString password;
    QString source; // the file they came from, for messages
};

// The files credentials are looked up in, first match wins: $REGISTRY_AUTH_FILE,
// $XDG_RUNTIME_DIR/containers/auth.json (podman, skopeo), then $DOCKER_CONFIG/config.json
// or ~/.docker/config.json (docker login).
QStringList credentialFiles();

// The user name and password stored for `registry` (host[:port]) as auths.<key>.auth
// (base64 "user:password"); keys may carry a scheme or a path ("https://host/v1/").
// Credential helpers (credsStore, credHelpers) are not consulted.
std::optional<Credentials> credentialsFor(const QString &registry);

} // namespace Fcemu::Registry
