package dev.hipt.model;

import ai.djl.ndarray.types.Shape;

/** A module that only names its children, like {@code nn.Sequential} or a {@code PatchEmbed} holding {@code proj}. */
final class Container extends TorchModule {

    <M extends TorchModule> M add(String name, M child) {
        return module(name, child);
    }

    ai.djl.nn.Parameter parameterOf(String name, Init init, long... shape) {
        return parameter(name, init, shape);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
