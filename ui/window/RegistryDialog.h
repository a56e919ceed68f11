#pragma once

#include <QDialog>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace Fcemu::Ui {

// File ▸ Open from Registry: a reference (REGISTRY/REPO:TAG or @sha256:...) and whether the
// registry speaks plain HTTP. The reference is checked as it is typed; the pull itself runs in
// MainWindow's ImagePreparation, off the UI thread.
class RegistryDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RegistryDialog)

public:
    explicit RegistryDialog(QWidget *parent = nullptr);

    QString reference() const;
    bool insecure() const;
    void setReference(const QString &reference);

private:
    void validate();

    QLineEdit *m_reference;
    QCheckBox *m_insecure;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};

} // namespace Fcemu::Ui
