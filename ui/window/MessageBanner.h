#pragma once

#include <QFrame>

class QLabel;

namespace Fcemu::Ui {

// An inline message above the request list (KDE's KMessageWidget shape): why an image was
// refused, what an import changed. Never a modal dialog; closes with its × button.
class MessageBanner final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MessageBanner)

public:
    enum class Kind { Information, Error };

    explicit MessageBanner(QWidget *parent = nullptr);

    void showMessage(const QString &text, Kind kind);
    QString text() const;

private:
    QLabel *m_label;
};

} // namespace Fcemu::Ui
