#pragma once

#include <atomic>
#include <memory>

#include <QObject>
#include <QThread>

#include "FunctionImage.h"

namespace Fcemu::Runtime {

// prepareImage() off the caller's thread, for the GUI: reading, verifying and unpacking report
// progress (compressed bytes done of total) as signals, and can be cancelled (the staging
// folder is removed; nothing half-unpacked is ever cached).
class ImagePreparation final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImagePreparation)

public:
    ImagePreparation(QString imagePath, Config::FunctionConfig config, PrepareOptions options = {},
                     QObject *parent = nullptr);
    ~ImagePreparation() override; // cancels and waits

    void start();
    void cancel();
    bool isRunning() const;

signals:
    void progress(qint64 done, qint64 total);
    void completed(std::shared_ptr<Fcemu::Runtime::PreparedImage> image);
    void failed(const QString &message, int exitCode);

private:
    QString m_imagePath;
    Config::FunctionConfig m_config;
    PrepareOptions m_options;
    std::atomic<bool> m_cancel{false};
    std::unique_ptr<QThread> m_thread;
};

} // namespace Fcemu::Runtime

Q_DECLARE_METATYPE(std::shared_ptr<Fcemu::Runtime::PreparedImage>)
