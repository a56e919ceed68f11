#include "ImagePreparation.h"

#include <QElapsedTimer>

namespace Fcemu::Runtime {

ImagePreparation::ImagePreparation(QString imagePath, Config::FunctionConfig config,
                                   PrepareOptions options, QObject *parent)
    : QObject(parent), m_imagePath(std::move(imagePath)), m_config(std::move(config)),
      m_options(std::move(options))
{
    qRegisterMetaType<std::shared_ptr<PreparedImage>>();
}

ImagePreparation::~ImagePreparation()
{
    cancel();
    if (m_thread)
        m_thread->wait();
}

bool ImagePreparation::isRunning() const
{
    return m_thread && m_thread->isRunning();
}

void ImagePreparation::cancel()
{
    m_cancel = true;
}

void ImagePreparation::start()
{
    Q_ASSERT(!m_thread);
    m_thread.reset(QThread::create([this]() {
        PrepareOptions options = m_options;
        options.cancel = &m_cancel;
        QElapsedTimer throttle;
        throttle.start();
        // Signals cross to this object's thread queued; at most ~20 a second.
        options.progress = [this, &throttle](qint64 done, qint64 total) {
            if (done < total && throttle.elapsed() < 50)
                return;
            throttle.restart();
            emit progress(done, total);
        };
        auto prepared = prepareImage(m_imagePath, m_config, options);
        if (prepared)
            emit completed(*prepared);
        else
            emit failed(prepared.error().message, exitCodeFor(prepared.error().kind));
    }));
    m_thread->start();
}

} // namespace Fcemu::Runtime
