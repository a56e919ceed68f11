#include "StartupProfileView.h"

#include <QLabel>
#include <QRegularExpression>
#include <QVBoxLayout>

#include "common/Format.h"
#include "session/FunctionSession.h"

namespace Fcemu::Ui {

StartupProfileView::StartupProfileView(const Session::FunctionSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_label(new QLabel(this))
{
    m_label->setWordWrap(true);
    m_label->setTextFormat(Qt::RichText);
    m_label->setContentsMargins(8, 4, 8, 4);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_label);
    connect(session, &Session::FunctionSession::startupProfileChanged, this,
            &StartupProfileView::refresh);
    connect(session, &Session::FunctionSession::loaded, this, &StartupProfileView::refresh);
    refresh();
}

QString StartupProfileView::text() const
{
    return isHidden() ? QString() : m_label->text().remove(QRegularExpression(u"<[^>]*>"_qs));
}

void StartupProfileView::refresh()
{
    const auto &profile = m_session->startupProfile();
    const Config::FunctionConfig &config = m_session->config();
    QString html;
    if (!m_session->startupProfileError().isEmpty()) {
        html = u"<b>"_qs + tr("Start-up profile:").toHtmlEscaped() + u"</b> "_qs +
               m_session->startupProfileError().toHtmlEscaped();
    } else if (profile) {
        const Runtime::PullEstimate e =
            Runtime::estimatePull(*profile, config.pullBandwidthMBps, 0);
        const QString bandwidth = e.assumedBandwidth
                                      ? tr("%1 MB/s (assumed; set a pull bandwidth)")
                                            .arg(QString::number(e.bandwidthMBps, 'g', 6))
                                      : tr("%1 MB/s").arg(QString::number(e.bandwidthMBps, 'g', 6));
        html = u"<b>"_qs + Runtime::profileSummary(*profile).toHtmlEscaped() + u"</b> "_qs +
               tr("(files touched through the %1)").arg(profile->through).toHtmlEscaped() +
               u"<br>"_qs +
               tr("Pull at %1: with image acceleration %2 (%3), full pull %4 (%5).")
                   .arg(bandwidth, formatDuration(e.acceleratedPullMs),
                        Runtime::decimalBytes(e.acceleratedBytes), formatDuration(e.fullPullMs),
                        Runtime::decimalBytes(e.fullBytes))
                   .toHtmlEscaped();
        if (config.pullBandwidthMBps)
            html += u" "_qs + (config.imageAcceleration
                                   ? tr("A cold pull simulates the accelerated one.")
                                   : tr("A cold pull simulates the full one (acceleration off)."))
                                  .toHtmlEscaped();
    } else if (config.profileStartup && m_session->isLoaded()) {
        html = tr("The next cold start is profiled: which files it reads, and the pull image "
                  "acceleration would need.")
                   .toHtmlEscaped();
    }
    m_label->setText(html);
    setVisible(!html.isEmpty());
}

} // namespace Fcemu::Ui
