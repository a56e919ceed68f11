#pragma once

#include <QWidget>

class QLabel;

namespace Fcemu::Session {
class FunctionSession;
}

namespace Fcemu::Ui {

// Under the Timing inspector's waterfall: the loaded image's start-up profile in one line
// ("start-up read 14 MB in 1,200 files of 226 MB") and the pull with image acceleration against
// the full pull at the function's pull bandwidth (CONTRACT §1.3 --profile-startup,
// --no-acceleration; docs/startup-profile.md). Hidden when there is no profile and none asked.
class StartupProfileView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StartupProfileView)

public:
    explicit StartupProfileView(const Session::FunctionSession *session, QWidget *parent = nullptr);

    QString text() const; // what the view shows, as plain text (tests, screen readers)

private:
    void refresh();

    const Session::FunctionSession *m_session;
    QLabel *m_label;
};

} // namespace Fcemu::Ui
