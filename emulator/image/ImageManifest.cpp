#include "ImageManifest.h"

#include <nlohmann/json.hpp>

namespace Fcemu::Image {

namespace {

using json = nlohmann::json;

const char mtOciIndex[] = "application/vnd.oci.image.index.v1+json";
const char mtOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
const char mtDockerList[] = "application/vnd.docker.distribution.manifest.list.v2+json";
const char mtDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";

QString str(const json &j, const char *key)
{
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                            : QString();
}

QStringList strList(const json &j, const char *key)
{
    QStringList out;
    const auto it = j.find(key);
    if (it != j.end() && it->is_array())
        for (const json &v : *it)
            if (v.is_string())
                out.append(QString::fromStdString(v.get<std::string>()));
    return out;
}

class Reader
{
public:
    explicit Reader(const ImageSource &source) : m_source(source) {}

    Result<json> parse(const QString &member, const QByteArray &data)
    {
        json j = json::parse(data.constBegin(), data.constEnd(), nullptr, false);
        if (j.is_discarded())
            return fail(ErrorKind::ImageRefused, m_source.where(member) + u": invalid JSON"_qs);
        if (!j.is_object() && !j.is_array())
            return fail(ErrorKind::ImageRefused,
                        m_source.where(member) + u": not a JSON object"_qs);
        return j;
    }

    Result<json> readJson(const QString &member)
    {
        auto data = m_source.readAll(member);
        if (!data)
            return std::unexpected(data.error());
        return parse(member, *data);
    }

    static QString blobPath(const Digest &d) { return u"blobs/"_qs + d.algorithm + u'/' + d.hex; }

    // Reads a blob named by a descriptor, checking its size and digest.
    Result<QByteArray> readBlob(const json &descriptor, const QString &context, Digest *digestOut)
    {
        const auto digest = Digest::parse(str(descriptor, "digest"));
        if (!digest)
            return fail(ErrorKind::ImageRefused, m_source.where(context) +
                                                     u": invalid digest '"_qs +
                                                     str(descriptor, "digest") + u'\'');
        const QString path = blobPath(*digest);
        auto data = m_source.readAll(path);
        if (!data)
            return std::unexpected(data.error());
        const auto size = descriptor.find("size");
        if (size != descriptor.end() && size->is_number_integer() &&
            size->get<qint64>() != data->size())
            return fail(ErrorKind::ImageRefused, m_source.where(path) + u": size "_qs +
                                                     QString::number(data->size()) +
                                                     u" does not match its descriptor (" +
                                                     QString::number(size->get<qint64>()) + u')');
        Hasher hasher(digest->algorithm);
        hasher.update(data->constData(), std::size_t(data->size()));
        if (hasher.finish() != *digest)
            return fail(ErrorKind::ImageRefused, m_source.where(path) + u": digest mismatch"_qs);
        if (digestOut)
            *digestOut = *digest;
        return data;
    }

    struct Candidate
    {
        json descriptor;
        QString platform; // "os/arch[/variant]" or empty when not declared
        QString reference;
    };

    static bool isAttestation(const json &d)
    {
        const auto p = d.find("platform");
        if (p != d.end() && p->is_object() && str(*p, "os") == u"unknown"_qs)
            return true;
        const auto a = d.find("annotations");
        return a != d.end() && a->is_object() &&
               str(*a, "vnd.docker.reference.type") == u"attestation-manifest"_qs;
    }

    // Walks an index depth-first collecting manifests in order (image-index.md: the first
    // match wins).
    Status collect(const json &index, const QString &where, int depth, const QString &reference,
                   QList<Candidate> *out)
    {
        if (depth > 4)
            return fail(ErrorKind::ImageRefused,
                        m_source.where(where) + u": image indexes nested too deeply"_qs);
        const auto manifests = index.find("manifests");
        if (manifests == index.end() || !manifests->is_array())
            return fail(ErrorKind::ImageRefused,
                        m_source.where(where) + u": no \"manifests\" list"_qs);
        for (const json &d : *manifests) {
            if (!d.is_object())
                return fail(ErrorKind::ImageRefused,
                            m_source.where(where) + u": malformed descriptor"_qs);
            if (isAttestation(d))
                continue;
            QString ref = reference;
            if (const auto a = d.find("annotations"); a != d.end() && a->is_object()) {
                if (const QString name = str(*a, "io.containerd.image.name"); !name.isEmpty())
                    ref = name;
                else if (const QString tag = str(*a, "org.opencontainers.image.ref.name");
                         !tag.isEmpty() && ref.isEmpty())
                    ref = tag;
            }
            const QString mt = str(d, "mediaType");
            if (mt == QLatin1StringView(mtOciIndex) || mt == QLatin1StringView(mtDockerList)) {
                auto data = readBlob(d, where, nullptr);
                if (!data)
                    return std::unexpected(data.error());
                auto nested = parse(blobPath(*Digest::parse(str(d, "digest"))), *data);
                if (!nested)
                    return std::unexpected(nested.error());
                if (auto r = collect(*nested, blobPath(*Digest::parse(str(d, "digest"))), depth + 1,
                                     ref, out);
                    !r)
                    return r;
                continue;
            }
            if (!mt.isEmpty() && mt != QLatin1StringView(mtOciManifest) &&
                mt != QLatin1StringView(mtDockerManifest))
                continue; // artifacts and other media types are not images
            QString platform;
            if (const auto p = d.find("platform"); p != d.end() && p->is_object()) {
                platform = str(*p, "os") + u'/' + str(*p, "architecture");
                if (const QString v = str(*p, "variant"); !v.isEmpty())
                    platform += u'/' + v;
            }
            out->append({d, platform, ref});
        }
        return {};
    }

    Result<ImageConfig> parseConfig(const json &j, const QString &where)
    {
        ImageConfig c;
        c.architecture = str(j, "architecture");
        c.os = str(j, "os");
        c.variant = str(j, "variant");
        c.created = str(j, "created");
        if (const auto cfg = j.find("config"); cfg != j.end() && cfg->is_object()) {
            c.entrypoint = strList(*cfg, "Entrypoint");
            c.cmd = strList(*cfg, "Cmd");
            c.env = strList(*cfg, "Env");
            c.workingDir = str(*cfg, "WorkingDir");
            c.user = str(*cfg, "User");
            if (const auto ports = cfg->find("ExposedPorts");
                ports != cfg->end() && ports->is_object())
                for (auto it = ports->begin(); it != ports->end(); ++it)
                    c.exposedPorts.append(QString::fromStdString(it.key()));
        } else if (cfg != j.end() && !cfg->is_null()) {
            return fail(ErrorKind::ImageRefused,
                        m_source.where(where) + u": \"config\" is not an object"_qs);
        }
        return c;
    }

    Result<QList<Digest>> diffIds(const json &config, const QString &where)
    {
        const auto rootfs = config.find("rootfs");
        if (rootfs == config.end() || !rootfs->is_object() || str(*rootfs, "type") != u"layers"_qs)
            return fail(ErrorKind::ImageRefused,
                        m_source.where(where) + u": missing rootfs of type \"layers\""_qs);
        QList<Digest> out;
        const auto ids = rootfs->find("diff_ids");
        if (ids == rootfs->end() || !ids->is_array())
            return fail(ErrorKind::ImageRefused,
                        m_source.where(where) + u": missing rootfs.diff_ids"_qs);
        for (const json &id : *ids) {
            const auto d = id.is_string()
                               ? Digest::parse(QString::fromStdString(id.get<std::string>()))
                               : std::nullopt;
            if (!d)
                return fail(ErrorKind::ImageRefused,
                            m_source.where(where) + u": invalid diff_id"_qs);
            out.append(*d);
        }
        return out;
    }

    // Parses a config blob into `config` and returns its rootfs.diff_ids.
    Result<QList<Digest>> readConfig(const QByteArray &data, const QString &where,
                                     ImageConfig *config)
    {
        auto parsedJson = parse(where, data);
        if (!parsedJson)
            return std::unexpected(parsedJson.error());
        auto parsed = parseConfig(*parsedJson, where);
        if (!parsed)
            return std::unexpected(parsed.error());
        *config = *parsed;
        return diffIds(*parsedJson, where);
    }

    Result<ImageInfo> readOci()
    {
        auto index = readJson(u"index.json"_qs);
        if (!index)
            return std::unexpected(index.error());
        QList<Candidate> candidates;
        if (auto r = collect(*index, u"index.json"_qs, 0, {}, &candidates); !r)
            return std::unexpected(r.error());
        if (candidates.isEmpty())
            return fail(ErrorKind::ImageRefused,
                        m_source.where(u"index.json"_qs) + u": no image manifest"_qs);
        const Candidate *chosen = nullptr;
        QStringList seen;
        for (const Candidate &c : candidates) {
            if (c.platform.isEmpty() || c.platform == u"linux/amd64"_qs ||
                c.platform.startsWith(u"linux/amd64/"_qs)) {
                chosen = &c;
                break;
            }
            seen.append(c.platform);
        }
        if (!chosen)
            return fail(ErrorKind::ImageRefused, m_source.path() +
                                                     u": no linux/amd64 image (found "_qs +
                                                     seen.join(u", "_qs) +
                                                     u"); FC runs only AMD64 images: rebuild with "
                                                     u"docker build --platform linux/amd64");
        ImageInfo info;
        info.format = m_source.kind() == ImageSource::Kind::Directory ? ImageFormat::OciDirectory
                                                                      : ImageFormat::OciArchive;
        info.reference = chosen->reference;
        auto manifestData = readBlob(chosen->descriptor, u"index.json"_qs, &info.manifestDigest);
        if (!manifestData)
            return std::unexpected(manifestData.error());
        const QString manifestPath = blobPath(info.manifestDigest);
        auto manifest = parse(manifestPath, *manifestData);
        if (!manifest)
            return std::unexpected(manifest.error());
        const auto cfgDesc = manifest->find("config");
        if (cfgDesc == manifest->end() || !cfgDesc->is_object())
            return fail(ErrorKind::ImageRefused,
                        m_source.where(manifestPath) + u": no config descriptor"_qs);
        auto configData = readBlob(*cfgDesc, manifestPath, &info.configDigest);
        if (!configData)
            return std::unexpected(configData.error());
        const QString configPath = blobPath(info.configDigest);
        auto ids = readConfig(*configData, configPath, &info.config);
        if (!ids)
            return std::unexpected(ids.error());
        const auto layers = manifest->find("layers");
        if (layers == manifest->end() || !layers->is_array())
            return fail(ErrorKind::ImageRefused,
                        m_source.where(manifestPath) + u": no layers list"_qs);
        if (qsizetype(layers->size()) != ids->size())
            return fail(ErrorKind::ImageRefused, m_source.where(manifestPath) + u": "_qs +
                                                     QString::number(layers->size()) +
                                                     u" layers but the config lists " +
                                                     QString::number(ids->size()) + u" diff_ids");
        int i = 0;
        for (const json &l : *layers) {
            LayerInfo layer;
            const auto d = l.is_object() ? Digest::parse(str(l, "digest")) : std::nullopt;
            if (!d)
                return fail(ErrorKind::ImageRefused, m_source.where(manifestPath) + u": layer "_qs +
                                                         QString::number(i + 1) +
                                                         u" has an invalid digest");
            layer.digest = *d;
            layer.member = blobPath(*d);
            layer.mediaType = str(l, "mediaType");
            if (layer.mediaType.contains(u"nondistributable"_qs) ||
                layer.mediaType.contains(u"foreign"_qs)) {
                if (!m_source.exists(layer.member))
                    return fail(
                        ErrorKind::ImageRefused,
                        m_source.where(layer.member) +
                            u": non-distributable layer is not in the image (fcemu never downloads)"_qs);
            }
            auto blob = m_source.blob(layer.member);
            if (!blob)
                return std::unexpected(blob.error());
            layer.compressedSize = blob->size();
            if (const auto s = l.find("size");
                s != l.end() && s->is_number_integer() && s->get<qint64>() != blob->size())
                return fail(ErrorKind::ImageRefused, m_source.where(layer.member) + u": size "_qs +
                                                         QString::number(blob->size()) +
                                                         u" does not match its descriptor (" +
                                                         QString::number(s->get<qint64>()) + u')');
            layer.diffId = (*ids)[i++];
            info.layers.append(layer);
        }
        return info;
    }

    Result<ImageInfo> readDockerArchive()
    {
        auto manifest = readJson(u"manifest.json"_qs);
        if (!manifest)
            return std::unexpected(manifest.error());
        if (!manifest->is_array() || manifest->empty() || !(*manifest)[0].is_object())
            return fail(ErrorKind::ImageRefused,
                        m_source.where(u"manifest.json"_qs) + u": expected a list of images"_qs);
        const json &item = (*manifest)[0];
        ImageInfo info;
        info.format = ImageFormat::DockerArchive;
        const QStringList tags = strList(item, "RepoTags");
        if (!tags.isEmpty())
            info.reference = tags.first();
        const QString configPath = str(item, "Config");
        if (configPath.isEmpty())
            return fail(ErrorKind::ImageRefused,
                        m_source.where(u"manifest.json"_qs) + u": no Config"_qs);
        auto configData = m_source.readAll(configPath);
        if (!configData)
            return std::unexpected(configData.error());
        info.configDigest = Hasher::sha256(*configData);
        auto ids = readConfig(*configData, configPath, &info.config);
        if (!ids)
            return std::unexpected(ids.error());
        const QStringList layers = strList(item, "Layers");
        if (layers.size() != ids->size())
            return fail(ErrorKind::ImageRefused, m_source.where(u"manifest.json"_qs) + u": "_qs +
                                                     QString::number(layers.size()) +
                                                     u" layers but the config lists " +
                                                     QString::number(ids->size()) + u" diff_ids");
        for (int i = 0; i < layers.size(); ++i) {
            LayerInfo layer;
            layer.member = layers[i];
            auto blob = m_source.blob(layer.member);
            if (!blob)
                return std::unexpected(blob.error());
            layer.compressedSize = blob->size();
            layer.diffId = (*ids)[i];
            info.layers.append(layer);
        }
        return info;
    }

private:
    const ImageSource &m_source;
};

} // namespace

QString formatName(ImageFormat format)
{
    switch (format) {
    case ImageFormat::DockerArchive:
        return u"docker-archive"_qs;
    case ImageFormat::OciArchive:
        return u"oci-archive"_qs;
    case ImageFormat::OciDirectory:
        return u"oci-layout-directory"_qs;
    }
    return {};
}

qint64 ImageInfo::compressedSize() const
{
    qint64 total = 0;
    for (const LayerInfo &l : layers)
        total += l.compressedSize;
    return total;
}

Digest chainIdOf(const QList<Digest> &diffIds)
{
    if (diffIds.isEmpty())
        return Hasher::sha256({});
    Digest chain = diffIds.first();
    for (int i = 1; i < diffIds.size(); ++i)
        chain = Hasher::sha256((chain.toString() + u' ' + diffIds[i].toString()).toUtf8());
    return chain;
}

Result<ImageInfo> readImage(const ImageSource &source)
{
    Reader reader(source);
    Result<ImageInfo> info;
    // Docker >= 25 writes both index.json and manifest.json; the OCI index is the richer one.
    if (source.exists(u"index.json"_qs))
        info = reader.readOci();
    else if (source.exists(u"manifest.json"_qs))
        info = reader.readDockerArchive();
    else
        return fail(
            ErrorKind::ImageRefused,
            source.path() +
                u": neither an OCI layout (index.json) nor a docker save archive (manifest.json)"_qs);
    if (!info)
        return info;
    const ImageConfig &c = info->config;
    if (!c.os.isEmpty() && c.os != u"linux"_qs)
        return fail(ErrorKind::ImageRefused, source.path() + u": image is for "_qs + c.os +
                                                 u"; FC runs only linux/amd64 images");
    if (c.architecture != u"amd64"_qs)
        return fail(
            ErrorKind::ImageRefused,
            source.path() + u": image architecture is "_qs +
                (c.architecture.isEmpty() ? u"not set"_qs : c.architecture) +
                u"; FC supports only AMD64: rebuild with docker build --platform linux/amd64");
    QList<Digest> ids;
    for (const LayerInfo &l : info->layers)
        ids.append(l.diffId);
    info->chainId = chainIdOf(ids);
    return info;
}

} // namespace Fcemu::Image
