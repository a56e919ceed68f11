#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include "Digest.h"
#include "ImageSource.h"
#include "common/Error.h"

namespace Fcemu::Image {

enum class ImageFormat { DockerArchive, OciArchive, OciDirectory };
QString formatName(ImageFormat format);

// The parts of the image config (OCI config.md) that running a function needs.
struct ImageConfig
{
    QString architecture;
    QString os;
    QString variant;
    QString created;
    QStringList entrypoint;
    QStringList cmd;
    QStringList env;
    QString workingDir;
    QString user;
    QStringList exposedPorts;
};

struct LayerInfo
{
    QString member;    // path inside the image (tar member or file of the layout directory)
    QString mediaType; // as declared; compression is sniffed from the bytes, not trusted
    Digest digest;     // blob digest (OCI); invalid for docker-archive layers
    qint64 compressedSize = 0;
    Digest diffId; // digest of the uncompressed tar, from the config's rootfs.diff_ids
};

struct ImageInfo
{
    ImageFormat format = ImageFormat::OciArchive;
    QString reference; // tag or ref name, when the image names one
    Digest manifestDigest;
    Digest configDigest;
    ImageConfig config;
    QList<LayerInfo> layers;
    Digest chainId; // ChainID of all layers: the content key of the unpacked rootfs

    qint64 compressedSize() const;
};

// Reads index.json (OCI, nested indexes, linux/amd64 selection) or manifest.json (docker
// save), validates every descriptor and parses the config. Refuses anything malformed with
// a message that names the file. Does not read layers.
Result<ImageInfo> readImage(const ImageSource &source);

// ChainID(L0..Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln)) (image-spec config.md).
Digest chainIdOf(const QList<Digest> &diffIds);

} // namespace Fcemu::Image
