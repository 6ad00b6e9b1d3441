#pragma once
// A headline number: a caption above a large value, fixed width so a row of tiles does not
// reflow as the digits change.
#include <QFrame>

class QLabel;

class KpiTile final : public QFrame {
    Q_OBJECT
public:
    explicit KpiTile(const QString& caption, QWidget* parent = nullptr);
    void setValue(const QString& text);
    QString value() const;

private:
    QLabel* m_value;
};
