#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include "Digest.h"
#include "common/Error.h"

namespace Fcemu::Image {

// What `fcemu image pack` writes into the image config.
struct PackOptions
{
    QStringList entrypoint;
    QStringList cmd;
    QStringList env;
    QString workingDir;
    QString user;
    QStringList exposedPorts; // e.g. "9000/tcp"
    QString reference = u"latest"_qs;
    QString compression = u"gzip"_qs; // "gzip", "zstd" or "none"
};

// One layer blob, ready to be placed in an image.
struct LayerBlob
{
    QByteArray data; // as stored (compressed or not)
    QString mediaType;
    Digest digest; // of data
    Digest diffId; // of the uncompressed tar
};

// Makes a layer from a folder: entries sorted by name, owned by 0:0, modes and mtimes kept,
// hardlinks kept, device nodes skipped. With a prefix ("usr/share"), the folder's contents
// are stored under it, parents included.
Result<LayerBlob> layerFromDirectory(const QString &directory, const QString &compression,
                                     const QString &prefix = {});

// Compresses an uncompressed layer tar ("gzip", "zstd" or "none").
Result<LayerBlob> layerFromTar(const QByteArray &tar, const QString &compression);

// Writes an OCI image layout tarball (oci-layout, index.json, blobs/sha256/...) with the
// given layers, base first. Written to OUT.tmp then renamed.
Status writeOciArchive(const QString &outPath, const QList<LayerBlob> &layers,
                       const PackOptions &options);

// `fcemu image pack DIR OUT.tar`: one layer from DIR.
Status packDirectory(const QString &directory, const QString &outPath, const PackOptions &options);

} // namespace Fcemu::Image
