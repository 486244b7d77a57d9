#pragma once
// A fixed-bin histogram drawn from stored counts: the error histogram (|error| in sigmas,
// quarter decades) or the weight distribution (z-scores, outlier bins in red with the
// 3 and 6 sigma limits marked). Geometry comes from layers_math.h; this only paints.
#include "ui/layers_math.h"

#include <QWidget>

class LayersHistogramWidget : public QWidget {
    Q_OBJECT
public:
    struct Marker {
        double value = 0;
        QString label;
    };
    explicit LayersHistogramWidget(QWidget* parent = nullptr);

    // edges: counts.size() + 1 edges. logBins: the edges grow by a constant factor.
    // Bar heights are log-scaled (the title should say so); xCaption names the x axis.
    void setHistogram(const QString& title, const QString& xCaption, const QList<double>& edges,
                      const QList<qint64>& counts, bool logBins, const QList<bool>& highlighted,
                      const QList<Marker>& markers);
    void clear(const QString& message);

    const QList<qint64>& counts() const { return m_counts; }
    QRectF plotRect() const; // where the bars go, for tests
    QSize sizeHint() const override { return {420, 200}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    void paintBars(class QPainter& p, const QRectF& plot) const;
    void paintAxis(QPainter& p, const QRectF& plot) const;
    void paintMarkers(QPainter& p, const QRectF& plot) const;

    QString m_title;
    QString m_xCaption;
    QString m_message;
    QList<double> m_edges;
    QList<qint64> m_counts;
    QList<bool> m_highlighted;
    QList<Marker> m_markers;
    bool m_logBins = false;
};
