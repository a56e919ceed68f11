#include "FunctionImage.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QThread>

#include "StartupProfile.h"
#include "image/ImageSource.h"

namespace Fcemu::Runtime {

qint64 uncompressedLimit(const Config::FunctionConfig &config)
{
    return Config::imageSizeLimit(config).bytes;
}

Result<std::shared_ptr<PreparedImage>> prepareImage(const QString &imagePath,
                                                    const Config::FunctionConfig &config,
                                                    const PrepareOptions &options)
{
    QElapsedTimer timer;
    timer.start();
    Image::ImageCache cache(options.cacheDirectory.isEmpty() ? Image::ImageCache::defaultDirectory()
                                                             : options.cacheDirectory);
    const qint64 limit = uncompressedLimit(config);
    QString path = imagePath;
    std::optional<Registry::PullResult> pulled;
    if (Registry::looksLikeReference(imagePath)) {
        auto ref = Registry::Reference::parse(imagePath);
        if (!ref)
            return std::unexpected(ref.error());
        Registry::PullOptions pull;
        pull.insecure = config.insecureRegistry;
        pull.cacheDirectory = cache.directory();
        pull.cancel = options.cancel;
        pull.progress = options.progress;
        auto result = Registry::pull(*ref, pull);
        if (!result)
            return std::unexpected(result.error());
        pulled = *result;
        path = result->layoutPath;
    }
    auto source =
        Image::ImageSource::open(path, cache.directory() + u"/tmp"_qs, limit + (64LL << 20));
    if (!source)
        return std::unexpected(source.error());
    auto info = Image::readImage(**source);
    if (!info)
        return std::unexpected(info.error());
    auto prepared = std::make_shared<PreparedImage>();
    prepared->info = *info;
    prepared->source = pulled ? imagePath : QFileInfo(imagePath).absoluteFilePath();
    if (pulled) {
        prepared->registryReference = pulled->reference.toString();
        prepared->layerPulls = pulled->layers;
        prepared->info.reference = prepared->registryReference;
    }
    prepared->cached = cache.lookup(*info).has_value();
    double readMs = double(timer.nsecsElapsed()) / 1e6;
    // A registry pull is real; --pull-bandwidth then stretches it to what FC's link would take
    // (the slower of the two), as for a file.
    const auto profile = loadProfile(cache.directory(), Image::ImageCache::keyFor(*info));
    prepared->profileKnown = profile.has_value();
    if (config.pullBandwidthMBps && !prepared->cached) {
        // A registry pull moves the compressed layers; wait out what the link would take.
        // With image acceleration (FC's default) and a known start-up profile, only what the
        // start-up reads is pulled before the function starts.
        qint64 bytes = info->compressedSize();
        if (profile && config.imageAcceleration) {
            bytes = profile->acceleratedPullBytes();
            prepared->acceleratedPull = true;
        }
        prepared->simulatedPullBytes = bytes;
        const double pullMs = double(bytes) / (*config.pullBandwidthMBps * 1e6) * 1000.0;
        const double waitMs = pullMs - readMs;
        QElapsedTimer wait;
        wait.start();
        while (waitMs > 0 && double(wait.elapsed()) < waitMs) {
            if (options.cancel && options.cancel->load())
                return fail(ErrorKind::Cancelled, imagePath + u": cancelled"_qs);
            QThread::msleep(qMin<qint64>(50, qint64(waitMs) - wait.elapsed() + 1));
            if (options.progress)
                options.progress(qint64(double(bytes) * double(wait.elapsed()) / waitMs / 2),
                                 bytes);
        }
        readMs = double(timer.nsecsElapsed()) / 1e6;
    }
    prepared->pullMs = readMs;
    Image::UnpackOptions unpack;
    unpack.maxUncompressedBytes = limit;
    unpack.limitReason = Config::imageSizeLimit(config).reason;
    unpack.progress = options.progress;
    unpack.cancel = options.cancel;
    auto ensured = cache.ensure(**source, *info, unpack);
    if (!ensured)
        return std::unexpected(ensured.error());
    prepared->entry = ensured->entry;
    prepared->lease = std::move(ensured->lease);
    prepared->cached = ensured->hit;
    prepared->unpackMs = ensured->hit ? 0 : ensured->unpackMs;
    return prepared;
}

} // namespace Fcemu::Runtime
