package dev.hipt.model;

/**
 * HIPT_LGP_FC: the slide aggregator over a slide's regions with its classifier.
 *
 * <p>PLACEHOLDER contract, implemented by the model feature.
 */
public final class SlideHead implements AutoCloseable {

    private SlideHead() {
    }

    @Override
    public void close() {
    }
}
