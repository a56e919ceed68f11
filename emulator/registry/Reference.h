#pragma once

#include <optional>

#include <QString>

#include "common/Error.h"

namespace Fcemu::Registry {

// REGISTRY/REPO:TAG or REGISTRY/REPO@sha256:HEX (distribution's reference grammar, without
// Docker Hub's implicit "docker.io/library/": FC pulls only from a named registry).
struct Reference
{
    QString registry;   // host[:port]
    QString repository; // path components, lower case
    QString tag;        // empty when pinned by digest only
    QString digest;     // "sha256:<hex>", or empty

    // What the manifest is requested by: the digest when given, else the tag.
    QString manifestReference() const { return digest.isEmpty() ? tag : digest; }
    QString toString() const;
    // "registry 127.0.0.1:5000, repository app, tag v1" for error messages.
    QString where() const;

    // Parses text; a bad reference is the image's fault (exit 3) with the rule it broke.
    static Result<Reference> parse(const QString &text);
};

// True when `text` names a registry rather than a file: it is not an existing path, and its
// first component is a host (has a dot or a port, or is "localhost") followed by a repository.
bool looksLikeReference(const QString &text);

} // namespace Fcemu::Registry
