// Pulling an image from an OCI registry (#16). Over 500 lines on purpose: one Puller holds a
// pull's state (its network manager, credentials and token, the blobs in flight) from the first
// manifest to the published layout; its steps are its member functions, in the order they run.

#include "RegistryPull.h"

#include <fcntl.h>
#include <vector>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QSslConfiguration>
#include <QTimer>
#include <QUrlQuery>

#include "Credentials.h"
#include "common/UniqueFd.h"
#include "image/ImageCache.h"

namespace Fcemu::Registry {

Q_LOGGING_CATEGORY(log, "fcemu.registry", QtInfoMsg)

namespace {

using json = nlohmann::json;

const char mtOciIndex[] = "application/vnd.oci.image.index.v1+json";
const char mtOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
const char mtDockerList[] = "application/vnd.docker.distribution.manifest.list.v2+json";
const char mtDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";
constexpr qint64 maxManifestBytes = 4 << 20;
constexpr qint64 maxConfigBytes = 16 << 20;

double msSince(const QElapsedTimer &t)
{
    return double(t.nsecsElapsed()) / 1e6;
}

// Seconds without any data before a request is given up (FCEMU_REGISTRY_TIMEOUT, default 30).
int transferTimeoutMs()
{
    bool ok = false;
    const double s = qEnvironmentVariable("FCEMU_REGISTRY_TIMEOUT").toDouble(&ok);
    return ok && s > 0 ? int(s * 1000) : 30000;
}

QString jstr(const json &j, const char *key)
{
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                            : QString();
}

bool isEnospc(int e)
{
    return e == ENOSPC || e == EDQUOT;
}

struct Response
{
    int status = 0; // HTTP status; 0 when no HTTP answer came
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QString errorString;
    bool timedOut = false;
    bool tooLarge = false;
    QByteArray body;
    QByteArray wwwAuthenticate;
    QByteArray contentType;
    QByteArray contentDigest;
};

struct BlobJob
{
    BlobPull result;
    QString what; // "layer 2" / "config"
    // While it downloads:
    QNetworkReply *reply = nullptr;
    UniqueFd fd;
    std::unique_ptr<Image::Hasher> hasher;
    qint64 written = 0;
    bool started = false; // the first data decided between 200 and 206
    bool timedOut = false;
    QElapsedTimer timer;
};

class Puller final
{
public:
    Puller(const Reference &ref, const PullOptions &options)
        : m_ref(ref), m_options(options),
          m_cacheDir(options.cacheDirectory.isEmpty() ? Image::ImageCache::defaultDirectory()
                                                      : options.cacheDirectory)
    {
        m_nam.setAutoDeleteReplies(false);
        m_ssl = QSslConfiguration::defaultConfiguration();
        // For tests and private CAs: extra PEM CA certificates on top of the system's.
        if (const QString ca = qEnvironmentVariable("FCEMU_REGISTRY_CA"); !ca.isEmpty()) {
            QList<QSslCertificate> cas = QSslConfiguration::systemCaCertificates();
            cas += QSslCertificate::fromPath(ca, QSsl::Pem);
            m_ssl.setCaCertificates(cas);
        }
    }

    Result<PullResult> run();

private:
    QString blobPath(const Image::Digest &d) const
    {
        return m_cacheDir + u"/blobs/sha256/"_qs + d.hex;
    }
    QUrl url(const QString &path) const
    {
        return QUrl((m_options.insecure ? u"http://"_qs : u"https://"_qs) + m_ref.registry +
                    u"/v2/"_qs + m_ref.repository + path);
    }
    QNetworkRequest request(const QUrl &u, const QByteArray &accept = {}) const
    {
        QNetworkRequest r(u);
        r.setTransferTimeout(transferTimeoutMs());
        r.setSslConfiguration(m_ssl);
        r.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                       m_options.insecure ? QNetworkRequest::NoLessSafeRedirectPolicy
                                          : QNetworkRequest::SameOriginRedirectPolicy);
        r.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("fcemu"));
        if (!accept.isEmpty())
            r.setRawHeader("Accept", accept);
        if (!m_authorization.isEmpty())
            r.setRawHeader("Authorization", m_authorization);
        return r;
    }
    bool cancelled() const { return m_options.cancel && m_options.cancel->load(); }

    Response fetchSmall(const QNetworkRequest &req, qint64 maxSize);
    Error transportError(const Response &r, const QString &what) const;
    Error httpError(const Response &r, const QString &what) const;
    Status authenticate(const Response &challenge);
    Result<Response> get(const QString &path, const QByteArray &accept, qint64 maxSize,
                         const QString &what);
    Status storeSmallBlob(const Image::Digest &digest, const QByteArray &data);
    Status fetchBlobs(std::vector<BlobJob> &jobs, qint64 total);
    void startBlob(BlobJob &job);
    Status finishBlob(BlobJob &job);
    Result<QString> publishLayout(const Image::Digest &manifest, const QString &mediaType,
                                  qint64 manifestSize, const QList<Image::Digest> &blobs);

    Reference m_ref;
    PullOptions m_options;
    QString m_cacheDir;
    QNetworkAccessManager m_nam;
    QSslConfiguration m_ssl;
    QByteArray m_authorization;
    std::optional<Credentials> m_credentials;
    qint64 m_fetched = 0;
    qint64 m_done = 0;
    qint64 m_total = 0;
    std::optional<Error> m_blobError;
};

Response Puller::fetchSmall(const QNetworkRequest &req, qint64 maxSize)
{
    Response r;
    std::unique_ptr<QNetworkReply> reply(m_nam.get(req));
    QEventLoop loop;
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(reply.get(), &QNetworkReply::downloadProgress, &loop,
                     [&](qint64 received, qint64) {
                         if (received > maxSize) {
                             r.tooLarge = true;
                             reply->abort();
                         }
                     });
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&]() {
        if (cancelled())
            reply->abort();
    });
    poll.start(100);
    if (!reply->isFinished())
        loop.exec();
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.error = reply->error();
    r.errorString = reply->errorString();
    r.timedOut = r.error == QNetworkReply::OperationCanceledError && !cancelled() && !r.tooLarge;
    if (reply->isOpen())
        r.body = reply->readAll();
    r.wwwAuthenticate = reply->rawHeader("WWW-Authenticate");
    r.contentType = reply->rawHeader("Content-Type").split(';').value(0).trimmed();
    r.contentDigest = reply->rawHeader("Docker-Content-Digest");
    return r;
}

// No HTTP answer: the network, the registry's host or TLS. The machine's side (exit 4).
Error Puller::transportError(const Response &r, const QString &what) const
{
    QString why;
    if (cancelled())
        return Error{ErrorKind::Cancelled, m_ref.where() + u": cancelled"_qs};
    if (r.tooLarge)
        return Error{ErrorKind::ImageRefused,
                     m_ref.where() + u": "_qs + what + u" is larger than fcemu accepts"_qs};
    if (r.timedOut)
        why = u"no answer within %1 s (the registry stalled)"_qs.arg(transferTimeoutMs() / 1000.0);
    else
        why = r.errorString;
    QString hint;
    if (!m_options.insecure && (r.error == QNetworkReply::SslHandshakeFailedError ||
                                r.error == QNetworkReply::UnknownNetworkError))
        hint = u"; a plain-HTTP registry needs --insecure-registry, a private CA "
               u"FCEMU_REGISTRY_CA=FILE"_qs;
    else if (r.error == QNetworkReply::ConnectionRefusedError ||
             r.error == QNetworkReply::HostNotFoundError)
        hint = u"; is the registry running and the name right?"_qs;
    return Error{ErrorKind::Platform, m_ref.where() + u": "_qs + what + u": "_qs + why + hint};
}

// An HTTP error answer: the reference or the credentials (the image's side, exit 3), or the
// registry failing (5xx: exit 4).
Error Puller::httpError(const Response &r, const QString &what) const
{
    QString code, message;
    const auto j = json::parse(r.body.toStdString(), nullptr, false);
    if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty() &&
        j["errors"][0].is_object()) {
        code = jstr(j["errors"][0], "code");
        message = jstr(j["errors"][0], "message");
    }
    const QString prefix = m_ref.where() + u": "_qs;
    if (r.status == 401 || r.status == 403) {
        if (!m_credentials)
            return Error{
                ErrorKind::ImageRefused,
                prefix +
                    u"access denied (HTTP %1): no credentials for %2 in "_qs.arg(r.status).arg(
                        m_ref.registry) +
                    credentialFiles().join(u", "_qs) +
                    u" (log in with docker login or podman login)"_qs};
        return Error{ErrorKind::ImageRefused,
                     prefix + u"access denied (HTTP %1) for user %2 (credentials from %3): wrong "
                              u"user name or password, or no pull permission"_qs.arg(r.status)
                                  .arg(m_credentials->username, m_credentials->source)};
    }
    if (r.status == 404) {
        if (code == u"NAME_UNKNOWN"_qs)
            return Error{ErrorKind::ImageRefused, prefix + u"repository not found"_qs};
        if (code == u"MANIFEST_UNKNOWN"_qs)
            return Error{
                ErrorKind::ImageRefused,
                prefix + (m_ref.digest.isEmpty() ? u"tag not found"_qs : u"manifest not found"_qs)};
        return Error{ErrorKind::ImageRefused, prefix + what + u" not found (HTTP 404)"_qs};
    }
    const QString detail = message.isEmpty() ? QString() : u": "_qs + message;
    return Error{r.status >= 500 ? ErrorKind::Platform : ErrorKind::ImageRefused,
                 prefix + what + u": HTTP %1"_qs.arg(r.status) + detail};
}

// The registry asked for credentials: Basic (send the stored ones) or Bearer (get a token from
// the realm, with the stored credentials when there are any; distribution's token spec).
Status Puller::authenticate(const Response &challenge)
{
    m_credentials = credentialsFor(m_ref.registry);
    const QString header = QString::fromLatin1(challenge.wwwAuthenticate).trimmed();
    const QString scheme = header.section(u' ', 0, 0).toLower();
    QHash<QString, QString> params;
    static const QRegularExpression param(uR"re((\w+)="([^"]*)")re"_qs);
    for (auto it = param.globalMatch(header); it.hasNext();) {
        const auto m = it.next();
        params.insert(m.captured(1).toLower(), m.captured(2));
    }
    const QByteArray basic =
        m_credentials
            ? "Basic " +
                  (m_credentials->username + u':' + m_credentials->password).toUtf8().toBase64()
            : QByteArray();
    if (scheme == u"basic"_qs) {
        if (!m_credentials)
            return std::unexpected(httpError(challenge, u"manifest"_qs));
        m_authorization = basic;
        return {};
    }
    if (scheme != u"bearer"_qs || params.value(u"realm"_qs).isEmpty())
        return fail(ErrorKind::ImageRefused,
                    m_ref.where() + u": unsupported authentication '"_qs + header + u"'"_qs);
    QUrl realm(params.value(u"realm"_qs));
    if (realm.scheme() != u"https"_qs && !(realm.scheme() == u"http"_qs && m_options.insecure))
        return fail(ErrorKind::ImageRefused,
                    m_ref.where() + u": token service "_qs + realm.toString() +
                        u" is not HTTPS (pass --insecure-registry to allow it)"_qs);
    QUrlQuery query(realm);
    if (params.contains(u"service"_qs))
        query.addQueryItem(u"service"_qs, params.value(u"service"_qs));
    query.addQueryItem(
        u"scope"_qs, params.value(u"scope"_qs, u"repository:"_qs + m_ref.repository + u":pull"_qs));
    realm.setQuery(query);
    QNetworkRequest req = request(realm);
    req.setRawHeader("Authorization", basic);
    if (basic.isEmpty())
        req.setRawHeader("Authorization", QByteArray());
    const Response r = fetchSmall(req, 1 << 20);
    if (r.status == 0)
        return std::unexpected(transportError(r, u"token service "_qs + realm.host()));
    if (r.status != 200)
        return std::unexpected(httpError(r, u"token"_qs));
    const auto j = json::parse(r.body.toStdString(), nullptr, false);
    QString token = j.is_object() ? jstr(j, "token") : QString();
    if (token.isEmpty() && j.is_object())
        token = jstr(j, "access_token");
    if (token.isEmpty())
        return fail(ErrorKind::ImageRefused,
                    m_ref.where() + u": the token service answered without a token"_qs);
    m_authorization = "Bearer " + token.toUtf8();
    return {};
}

Result<Response> Puller::get(const QString &path, const QByteArray &accept, qint64 maxSize,
                             const QString &what)
{
    Response r = fetchSmall(request(url(path), accept), maxSize);
    if (r.status == 401 && m_authorization.isEmpty() && !r.wwwAuthenticate.isEmpty()) {
        if (auto ok = authenticate(r); !ok)
            return std::unexpected(ok.error());
        r = fetchSmall(request(url(path), accept), maxSize);
    }
    if (r.status == 0 || r.tooLarge)
        return std::unexpected(transportError(r, what));
    if (r.status == 404 && what == u"manifest"_qs) {
        // distribution answers MANIFEST_UNKNOWN for a tag of a repository it does not have
        // either; its tag list tells the two apart.
        const Response tags = fetchSmall(request(url(u"/tags/list?n=1"_qs)), 1 << 20);
        if (tags.status == 404)
            return fail(ErrorKind::ImageRefused, m_ref.where() + u": repository not found"_qs);
    }
    if (r.status != 200)
        return std::unexpected(httpError(r, what));
    return r;
}

// Writes a small verified blob (a manifest or config) into the store: temp file + rename.
Status Puller::storeSmallBlob(const Image::Digest &digest, const QByteArray &data)
{
    const QString path = blobPath(digest);
    if (QFileInfo(path).size() == data.size())
        return {};
    QFile file(path + u".tmp"_qs + QString::number(::getpid()));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(data) != data.size() ||
        !file.flush()) {
        const int e = errno;
        file.remove();
        return fail(isEnospc(e) ? ErrorKind::Platform : ErrorKind::Io,
                    path + u": "_qs + (isEnospc(e) ? u"cache disk full"_qs : file.errorString()));
    }
    file.close();
    if (::rename(QFile::encodeName(file.fileName()).constData(),
                 QFile::encodeName(path).constData()) != 0)
        return fail(ErrorKind::Io, path + u": "_qs + errnoText(errno));
    return {};
}

void Puller::startBlob(BlobJob &job)
{
    const QString partial = m_cacheDir + u"/blobs/partial/"_qs + job.result.digest.hex;
    const QString final = blobPath(job.result.digest);
    job.timer.start();
    if (QFileInfo(final).size() == job.result.size) {
        job.result.reused = true;
        m_done += job.result.size;
        return;
    }
    job.fd = UniqueFd(
        ::open(QFile::encodeName(partial).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!job.fd.valid()) {
        const int e = errno;
        m_blobError = Error{isEnospc(e) ? ErrorKind::Platform : ErrorKind::Io,
                            partial + u": "_qs + errnoText(e)};
        return;
    }
    // Another fcemu pulling the same blob holds the lock: wait for it, then reuse its result.
    ::flock(job.fd.get(), LOCK_EX);
    if (QFileInfo(final).size() == job.result.size) {
        job.result.reused = true;
        ::unlink(QFile::encodeName(partial).constData());
        job.fd = UniqueFd();
        m_done += job.result.size;
        return;
    }
    struct stat st
    {
    };
    ::fstat(job.fd.get(), &st);
    qint64 have = st.st_size;
    if (have >= job.result.size) {
        ::ftruncate(job.fd.get(), 0);
        have = 0;
    }
    job.hasher = std::make_unique<Image::Hasher>(job.result.digest.algorithm);
    // Re-hash what an interrupted pull kept, then ask only for the rest.
    QByteArray buffer(1 << 20, Qt::Uninitialized);
    qint64 pos = 0;
    while (pos < have) {
        const ssize_t n = ::pread(job.fd.get(), buffer.data(),
                                  size_t(qMin<qint64>(buffer.size(), have - pos)), pos);
        if (n <= 0)
            break;
        job.hasher->update(buffer.constData(), size_t(n));
        pos += n;
    }
    have = pos;
    job.written = have;
    job.result.resumedFrom = have;
    m_done += have;
    QNetworkRequest req = request(url(u"/blobs/"_qs + job.result.digest.toString()));
    if (have > 0)
        req.setRawHeader("Range", "bytes=" + QByteArray::number(have) + '-');
    job.reply = m_nam.get(req);
    QObject::connect(job.reply, &QNetworkReply::readyRead, job.reply, [this, &job]() {
        QNetworkReply *reply = job.reply;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status != 200 && status != 206)
            return; // an error answer: its body is not the blob (finished() reports it)
        if (!job.started) {
            job.started = true;
            if (status == 200 && job.written > 0) {
                // The registry ignored the Range: start over.
                ::ftruncate(job.fd.get(), 0);
                m_done -= job.written;
                job.written = 0;
                job.result.resumedFrom = 0;
                job.hasher = std::make_unique<Image::Hasher>(job.result.digest.algorithm);
            }
        }
        while (reply->bytesAvailable() > 0) {
            const QByteArray chunk = reply->read(1 << 20);
            if (job.written + chunk.size() > job.result.size) {
                m_blobError = Error{
                    ErrorKind::ImageRefused,
                    m_ref.where() + u": "_qs + job.what + u" "_qs + job.result.digest.toString() +
                        u": the registry sent more than the manifest's %1 bytes"_qs.arg(
                            job.result.size)};
                ::ftruncate(job.fd.get(), 0);
                reply->abort();
                return;
            }
            const char *p = chunk.constData();
            qint64 left = chunk.size();
            qint64 at = job.written;
            while (left > 0) {
                const ssize_t n = ::pwrite(job.fd.get(), p, size_t(left), at);
                if (n < 0) {
                    const int e = errno;
                    if (e == EINTR)
                        continue;
                    m_blobError = Error{
                        isEnospc(e) ? ErrorKind::Platform : ErrorKind::Io,
                        m_cacheDir + u"/blobs: "_qs +
                            (isEnospc(e) ? u"cache disk full while pulling "_qs + m_ref.toString()
                                         : errnoText(e))};
                    reply->abort();
                    return;
                }
                p += n;
                left -= n;
                at += n;
            }
            job.hasher->update(chunk.constData(), size_t(chunk.size()));
            job.written += chunk.size();
            m_fetched += chunk.size();
            m_done += chunk.size();
        }
        if (m_options.progress)
            m_options.progress(m_done, m_total);
    });
}

// A blob's reply finished: verify it and move it into the store, or report why not.
Status Puller::finishBlob(BlobJob &job)
{
    std::unique_ptr<QNetworkReply> reply(job.reply);
    job.reply = nullptr;
    if (m_blobError)
        return std::unexpected(*m_blobError);
    const QString partial = m_cacheDir + u"/blobs/partial/"_qs + job.result.digest.hex;
    const QString name = job.what + u" "_qs + job.result.digest.toString();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200 && status != 206) {
        Response r;
        r.status = status;
        r.error = reply->error();
        r.errorString = reply->errorString();
        r.timedOut = r.error == QNetworkReply::OperationCanceledError && !cancelled();
        if (reply->isOpen())
            r.body = reply->readAll();
        if (status == 416) // a stale partial file: start over next time
            ::ftruncate(job.fd.get(), 0);
        return std::unexpected(status == 0 ? transportError(r, name) : httpError(r, name));
    }
    if (reply->error() != QNetworkReply::NoError || job.written != job.result.size) {
        Response r;
        r.error = reply->error();
        r.timedOut = r.error == QNetworkReply::OperationCanceledError && !cancelled();
        r.errorString = reply->error() != QNetworkReply::NoError ? reply->errorString()
                                                                 : u"the connection closed"_qs;
        Error e = transportError(r, name);
        e.message +=
            u" after %1 of %2 bytes (kept in %3; pulling again resumes there)"_qs.arg(job.written)
                .arg(job.result.size)
                .arg(partial);
        return std::unexpected(e);
    }
    const Image::Digest got = job.hasher->finish();
    if (!(got == job.result.digest)) {
        ::unlink(QFile::encodeName(partial).constData());
        return fail(ErrorKind::ImageRefused, m_ref.where() + u": "_qs + name +
                                                 u": digest mismatch: the registry sent "_qs +
                                                 got.toString());
    }
    if (::rename(QFile::encodeName(partial).constData(),
                 QFile::encodeName(blobPath(job.result.digest)).constData()) != 0)
        return fail(ErrorKind::Io, partial + u": "_qs + errnoText(errno));
    job.fd = UniqueFd();
    job.result.ms = msSince(job.timer);
    return {};
}

Status Puller::fetchBlobs(std::vector<BlobJob> &jobs, qint64 total)
{
    m_total = total;
    QEventLoop loop;
    std::size_t next = 0;
    int active = 0;
    std::optional<Error> failure;
    std::function<void()> startMore = [&]() {
        while (!failure && active < qMax(1, m_options.parallel) && next < jobs.size()) {
            BlobJob &job = jobs[next++];
            startBlob(job);
            if (m_blobError) {
                failure = m_blobError;
                break;
            }
            if (!job.reply) {
                job.result.ms = msSince(job.timer);
                continue;
            }
            ++active;
            QObject::connect(job.reply, &QNetworkReply::finished, &loop, [&, jobPtr = &job]() {
                --active;
                if (auto ok = finishBlob(*jobPtr); !ok && !failure) {
                    failure = ok.error();
                    for (BlobJob &other : jobs)
                        if (other.reply)
                            other.reply->abort();
                }
                startMore();
                if (active == 0)
                    loop.quit();
            });
        }
        if (m_options.progress)
            m_options.progress(m_done, m_total);
    };
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&]() {
        if (cancelled() && !failure) {
            failure = Error{ErrorKind::Cancelled, m_ref.where() + u": cancelled"_qs};
            for (BlobJob &other : jobs)
                if (other.reply)
                    other.reply->abort();
        }
    });
    poll.start(100);
    startMore();
    if (active > 0)
        loop.exec();
    if (failure)
        return std::unexpected(*failure);
    return {};
}

Result<QString> Puller::publishLayout(const Image::Digest &manifest, const QString &mediaType,
                                      qint64 manifestSize, const QList<Image::Digest> &blobs)
{
    const QString target = m_cacheDir + u"/registry/"_qs + manifest.hex;
    if (QFileInfo::exists(target + u"/index.json"_qs))
        return target;
    QDir().mkpath(m_cacheDir + u"/registry"_qs);
    QDir().mkpath(m_cacheDir + u"/pulls"_qs);
    QByteArray tmpl = QFile::encodeName(m_cacheDir + u"/pulls/"_qs + manifest.hex + u".XXXXXX");
    if (!::mkdtemp(tmpl.data()))
        return fail(isEnospc(errno) ? ErrorKind::Platform : ErrorKind::Io,
                    m_cacheDir + u"/pulls: "_qs + errnoText(errno));
    const QString staging = QFile::decodeName(tmpl);
    auto cleanup = [&]() { QDir(staging).removeRecursively(); };
    QDir().mkpath(staging + u"/blobs/sha256"_qs);
    json desc = {
        {"mediaType", mediaType.toStdString()},
        {"digest", manifest.toString().toStdString()},
        {"size", manifestSize},
        {"annotations", {{"org.opencontainers.image.ref.name", m_ref.toString().toStdString()}}}};
    const json index = {{"schemaVersion", 2}, {"manifests", json::array({desc})}};
    const QList<QPair<QString, QByteArray>> files = {
        {u"oci-layout"_qs, QByteArray(R"({"imageLayoutVersion":"1.0.0"})")},
        {u"index.json"_qs, QByteArray::fromStdString(index.dump())}};
    for (const auto &[name, data] : files) {
        QFile f(staging + u'/' + name);
        if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.flush()) {
            const int e = errno;
            cleanup();
            return fail(isEnospc(e) ? ErrorKind::Platform : ErrorKind::Io,
                        f.fileName() + u": "_qs +
                            (isEnospc(e) ? u"cache disk full"_qs : f.errorString()));
        }
    }
    for (const Image::Digest &d : blobs) {
        const QByteArray from = QFile::encodeName(blobPath(d));
        const QString to = staging + u"/blobs/sha256/"_qs + d.hex;
        if (QFileInfo::exists(to))
            continue;
        // A hard link shares the stored blob; copy where links are not allowed.
        if (::link(from.constData(), QFile::encodeName(to).constData()) != 0 &&
            !QFile::copy(QFile::decodeName(from), to)) {
            const int e = errno;
            cleanup();
            return fail(isEnospc(e) ? ErrorKind::Platform : ErrorKind::Io,
                        to + u": "_qs + (isEnospc(e) ? u"cache disk full"_qs : errnoText(e)));
        }
    }
    if (::rename(tmpl.constData(), QFile::encodeName(target).constData()) != 0) {
        const int e = errno;
        cleanup();
        if (!QFileInfo::exists(target + u"/index.json"_qs)) // not another pull's finished layout
            return fail(ErrorKind::Io, target + u": "_qs + errnoText(e));
    }
    return target;
}

Result<PullResult> Puller::run()
{
    QElapsedTimer total;
    total.start();
    PullResult out;
    out.reference = m_ref;
    // Pinned by digest and already pulled: nothing to ask the registry.
    if (!m_ref.digest.isEmpty()) {
        const QString layout =
            m_cacheDir + u"/registry/"_qs + m_ref.digest.section(u':', 1) + u"/index.json"_qs;
        if (QFileInfo::exists(layout)) {
            out.layoutPath = QFileInfo(layout).path();
            out.manifestDigest = *Image::Digest::parse(m_ref.digest);
            out.totalMs = msSince(total);
            return out;
        }
    }
    for (const QString &d : {u"/blobs/sha256"_qs, u"/blobs/partial"_qs}) {
        if (!QDir().mkpath(m_cacheDir + d))
            return fail(ErrorKind::Io, m_cacheDir + d + u": cannot create the folder"_qs);
    }
    const QByteArray accept = QByteArray(mtOciIndex) + ", " + mtOciManifest + ", " + mtDockerList +
                              ", " + mtDockerManifest;
    auto first = get(u"/manifests/"_qs + m_ref.manifestReference(), accept, maxManifestBytes,
                     u"manifest"_qs);
    if (!first)
        return std::unexpected(first.error());
    Response manifestResponse = *first;
    Image::Digest manifestDigest = Image::Hasher::sha256(manifestResponse.body);
    auto checkDigest = [&](const Image::Digest &got, const QString &expected,
                           const QString &what) -> Status {
        if (!expected.isEmpty() && got.toString() != expected)
            return fail(ErrorKind::ImageRefused, m_ref.where() + u": "_qs + what +
                                                     u": digest mismatch: expected "_qs + expected +
                                                     u", the registry sent "_qs + got.toString());
        return {};
    };
    if (auto ok =
            checkDigest(manifestDigest,
                        m_ref.digest.isEmpty() ? QString::fromLatin1(manifestResponse.contentDigest)
                                               : m_ref.digest,
                        u"manifest"_qs);
        !ok)
        return std::unexpected(ok.error());
    json manifest = json::parse(manifestResponse.body.toStdString(), nullptr, false);
    if (!manifest.is_object())
        return fail(ErrorKind::ImageRefused, m_ref.where() + u": the manifest is not JSON"_qs);
    QString mediaType = jstr(manifest, "mediaType");
    if (mediaType.isEmpty())
        mediaType = QString::fromLatin1(manifestResponse.contentType);
    if (mediaType.isEmpty() && manifest.contains("manifests"))
        mediaType = QString::fromLatin1(mtOciIndex);
    if (mediaType == QLatin1String(mtOciIndex) || mediaType == QLatin1String(mtDockerList)) {
        // FC pulls linux/amd64 from a multi-platform image (CONTRACT §2).
        if (auto ok = storeSmallBlob(manifestDigest, manifestResponse.body); !ok)
            return std::unexpected(ok.error());
        QString chosen;
        QStringList seen;
        if (manifest.contains("manifests") && manifest["manifests"].is_array()) {
            for (const json &m : manifest["manifests"]) {
                if (!m.is_object())
                    continue;
                const json platform = m.value("platform", json::object());
                const QString os = platform.is_object() ? jstr(platform, "os") : QString();
                const QString arch =
                    platform.is_object() ? jstr(platform, "architecture") : QString();
                if (os == u"unknown"_qs) // attestations
                    continue;
                if (os == u"linux"_qs && arch == u"amd64"_qs) {
                    chosen = jstr(m, "digest");
                    break;
                }
                seen.append(os + u'/' + arch);
            }
        }
        if (chosen.isEmpty())
            return fail(ErrorKind::ImageRefused,
                        m_ref.where() + u": no linux/amd64 image (found "_qs + seen.join(u", "_qs) +
                            u"); FC runs only AMD64 images: rebuild with docker build "
                            u"--platform linux/amd64"_qs);
        if (!Image::Digest::parse(chosen) || !chosen.startsWith(u"sha256:"_qs))
            return fail(ErrorKind::ImageRefused, m_ref.where() +
                                                     u": the index names an invalid digest '"_qs +
                                                     chosen + u"'");
        auto second =
            get(u"/manifests/"_qs + chosen, accept, maxManifestBytes, u"linux/amd64 manifest"_qs);
        if (!second)
            return std::unexpected(second.error());
        manifestResponse = *second;
        manifestDigest = Image::Hasher::sha256(manifestResponse.body);
        if (auto ok = checkDigest(manifestDigest, chosen, u"linux/amd64 manifest"_qs); !ok)
            return std::unexpected(ok.error());
        manifest = json::parse(manifestResponse.body.toStdString(), nullptr, false);
        if (!manifest.is_object())
            return fail(ErrorKind::ImageRefused,
                        m_ref.where() + u": the linux/amd64 manifest is not JSON"_qs);
        mediaType = jstr(manifest, "mediaType");
        if (mediaType.isEmpty())
            mediaType = QString::fromLatin1(manifestResponse.contentType);
    }
    if (mediaType.isEmpty())
        mediaType = QString::fromLatin1(mtOciManifest);
    if (mediaType != QLatin1String(mtOciManifest) && mediaType != QLatin1String(mtDockerManifest))
        return fail(ErrorKind::ImageRefused,
                    m_ref.where() + u": unsupported manifest type "_qs + mediaType +
                        u" (fcemu reads OCI and Docker v2 schema 2 manifests)"_qs);
    out.manifestDigest = manifestDigest;
    if (auto ok = storeSmallBlob(manifestDigest, manifestResponse.body); !ok)
        return std::unexpected(ok.error());

    // Descriptors: the config, then the layers.
    auto descriptor = [&](const json &d, const QString &what) -> Result<BlobJob> {
        BlobJob job;
        job.what = what;
        const auto digest = d.is_object() ? Image::Digest::parse(jstr(d, "digest")) : std::nullopt;
        const auto size = d.is_object() ? d.find("size") : d.end();
        if (!digest || digest->algorithm != u"sha256"_qs || size == d.end() ||
            !size->is_number_integer() || size->get<qint64>() < 0)
            return fail(ErrorKind::ImageRefused,
                        m_ref.where() + u": manifest: invalid "_qs + what + u" descriptor"_qs);
        job.result.digest = *digest;
        job.result.size = size->get<qint64>();
        return job;
    };
    auto config = descriptor(manifest.value("config", json()), u"config"_qs);
    if (!config)
        return std::unexpected(config.error());
    std::vector<BlobJob> jobs;
    qint64 totalBytes = 0;
    QList<Image::Digest> blobs{manifestDigest, config->result.digest};
    const json layers = manifest.value("layers", json());
    if (!layers.is_array())
        return fail(ErrorKind::ImageRefused, m_ref.where() + u": manifest: no layers"_qs);
    for (const json &l : layers) {
        auto job = descriptor(l, u"layer %1"_qs.arg(jobs.size() + 1));
        if (!job)
            return std::unexpected(job.error());
        totalBytes += job->result.size;
        blobs.append(job->result.digest);
        out.layers.append(job->result);
        jobs.push_back(std::move(*job));
    }
    // The config first and alone: an image for another architecture is refused before any
    // layer is fetched.
    QByteArray configData;
    if (QFileInfo(blobPath(config->result.digest)).size() == config->result.size) {
        QFile f(blobPath(config->result.digest));
        if (f.open(QIODevice::ReadOnly))
            configData = f.readAll();
    }
    if (configData.isEmpty() || !(Image::Hasher::sha256(configData) == config->result.digest)) {
        if (config->result.size > maxConfigBytes)
            return fail(ErrorKind::ImageRefused, m_ref.where() + u": the config is too large"_qs);
        auto r = get(u"/blobs/"_qs + config->result.digest.toString(), {}, maxConfigBytes,
                     u"config "_qs + config->result.digest.toString());
        if (!r)
            return std::unexpected(r.error());
        configData = r->body;
        if (auto ok = checkDigest(Image::Hasher::sha256(configData),
                                  config->result.digest.toString(), u"config"_qs);
            !ok)
            return std::unexpected(ok.error());
        m_fetched += configData.size();
        if (auto ok = storeSmallBlob(config->result.digest, configData); !ok)
            return std::unexpected(ok.error());
    }
    const json cfg = json::parse(configData.toStdString(), nullptr, false);
    const QString arch = cfg.is_object() ? jstr(cfg, "architecture") : QString();
    if (arch != u"amd64"_qs)
        return fail(ErrorKind::ImageRefused,
                    m_ref.where() + u": image architecture is "_qs +
                        (arch.isEmpty() ? u"not set"_qs : arch) +
                        u"; FC supports only AMD64: rebuild with docker build --platform "
                        u"linux/amd64"_qs);
    out.manifestMs = msSince(total);

    // The same blob twice in one manifest is fetched once.
    std::vector<BlobJob> unique;
    for (BlobJob &job : jobs) {
        if (std::none_of(unique.cbegin(), unique.cend(), [&](const BlobJob &u) -> bool {
                return u.result.digest == job.result.digest;
            }))
            unique.push_back(std::move(job));
    }
    if (auto ok = fetchBlobs(unique, totalBytes); !ok)
        return std::unexpected(ok.error());
    for (BlobPull &layer : out.layers) {
        for (const BlobJob &job : unique)
            if (job.result.digest == layer.digest)
                layer = job.result;
    }
    auto layout = publishLayout(manifestDigest, mediaType, manifestResponse.body.size(), blobs);
    if (!layout)
        return std::unexpected(layout.error());
    out.layoutPath = *layout;
    out.bytesFetched = m_fetched;
    out.totalMs = msSince(total);
    qCDebug(log) << "pulled" << m_ref.toString() << "in" << out.totalMs << "ms";
    return out;
}

} // namespace

Result<PullResult> pull(const Reference &reference, const PullOptions &options)
{
    Puller puller(reference, options);
    return puller.run();
}

} // namespace Fcemu::Registry
