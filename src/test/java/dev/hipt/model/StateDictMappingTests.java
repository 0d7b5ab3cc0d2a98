package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateDictMappingTests {

    @Test
    void vit256UsesThePyTorchParameterNamesAndShapes() {
        Map<String, long[]> shapes = VisionTransformer.vit256(2).parameterShapes();

        assertThat(shapes.keySet()).containsExactly(
                "cls_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias",
                "blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias",
                "blocks.0.attn.proj.weight", "blocks.0.attn.proj.bias", "blocks.0.norm2.weight", "blocks.0.norm2.bias",
                "blocks.0.mlp.fc1.weight", "blocks.0.mlp.fc1.bias", "blocks.0.mlp.fc2.weight", "blocks.0.mlp.fc2.bias",
                "blocks.1.norm1.weight", "blocks.1.norm1.bias", "blocks.1.attn.qkv.weight", "blocks.1.attn.qkv.bias",
                "blocks.1.attn.proj.weight", "blocks.1.attn.proj.bias", "blocks.1.norm2.weight", "blocks.1.norm2.bias",
                "blocks.1.mlp.fc1.weight", "blocks.1.mlp.fc1.bias", "blocks.1.mlp.fc2.weight", "blocks.1.mlp.fc2.bias",
                "norm.weight", "norm.bias");
        assertThat(shapes.get("pos_embed")).containsExactly(1, 197, 384);
        assertThat(shapes.get("patch_embed.proj.weight")).containsExactly(384, 3, 16, 16);
        assertThat(shapes.get("blocks.1.attn.qkv.weight")).containsExactly(1152, 384);
        assertThat(shapes.get("blocks.1.mlp.fc1.weight")).containsExactly(1536, 384);
    }

    @Test
    void vit4kUsesPhiAndItsOwnWidths() {
        Map<String, long[]> shapes = VisionTransformer.vit4k(6).parameterShapes();

        assertThat(shapes).containsKeys("phi.0.weight", "phi.0.bias", "blocks.5.mlp.fc2.bias")
                .doesNotContainKey("patch_embed.proj.weight");
        assertThat(shapes.get("phi.0.weight")).containsExactly(192, 384);
        assertThat(shapes.get("pos_embed")).containsExactly(1, 197, 192);
        assertThat(shapes.get("blocks.5.mlp.fc1.weight")).containsExactly(768, 192);
    }

    @Test
    void slideAggregatorUsesTheHiptLgpFcNames() {
        Map<String, long[]> shapes = SlideAggregator.small(2, 4).parameterShapes();

        assertThat(shapes.keySet()).filteredOn(k -> !k.startsWith("local_vit.")).containsExactly(
                "global_phi.0.weight", "global_phi.0.bias",
                "global_transformer.layers.0.self_attn.in_proj_weight",
                "global_transformer.layers.0.self_attn.in_proj_bias",
                "global_transformer.layers.0.self_attn.out_proj.weight",
                "global_transformer.layers.0.self_attn.out_proj.bias",
                "global_transformer.layers.0.linear1.weight", "global_transformer.layers.0.linear1.bias",
                "global_transformer.layers.0.linear2.weight", "global_transformer.layers.0.linear2.bias",
                "global_transformer.layers.0.norm1.weight", "global_transformer.layers.0.norm1.bias",
                "global_transformer.layers.0.norm2.weight", "global_transformer.layers.0.norm2.bias",
                "global_transformer.layers.1.self_attn.in_proj_weight",
                "global_transformer.layers.1.self_attn.in_proj_bias",
                "global_transformer.layers.1.self_attn.out_proj.weight",
                "global_transformer.layers.1.self_attn.out_proj.bias",
                "global_transformer.layers.1.linear1.weight", "global_transformer.layers.1.linear1.bias",
                "global_transformer.layers.1.linear2.weight", "global_transformer.layers.1.linear2.bias",
                "global_transformer.layers.1.norm1.weight", "global_transformer.layers.1.norm1.bias",
                "global_transformer.layers.1.norm2.weight", "global_transformer.layers.1.norm2.bias",
                "global_attn_pool.attention_a.0.weight", "global_attn_pool.attention_a.0.bias",
                "global_attn_pool.attention_b.0.weight", "global_attn_pool.attention_b.0.bias",
                "global_attn_pool.attention_c.weight", "global_attn_pool.attention_c.bias",
                "global_rho.0.weight", "global_rho.0.bias", "classifier.weight", "classifier.bias");
        assertThat(shapes).containsKeys("local_vit.phi.0.weight", "local_vit.blocks.1.attn.qkv.bias");
        assertThat(shapes.get("global_transformer.layers.0.self_attn.in_proj_weight")).containsExactly(576, 192);
        assertThat(shapes.get("classifier.weight")).containsExactly(4, 192);
    }

    @Test
    void stateDictRoundTripsThroughLoadAndToStateDict() {
        VisionTransformer vit = TinyModels.vit256();
        StateDict weights = vit.randomStateDict(7);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            vit.load(weights, manager);
            StateDict back = vit.toStateDict();

            assertThat(back.keys()).containsExactlyElementsOf(weights.keys());
            for (String k : weights.keys()) {
                assertThat(back.get(k).shape()).as(k).containsExactly(weights.get(k).shape());
                assertThat(back.get(k).data()).as(k).containsExactly(weights.get(k).data());
            }
        }
    }

    @Test
    void aggregatorRoundTripsAndIsRebuiltFromItsOwnStateDict() {
        SlideAggregator aggregator = SlideAggregator.small(1, 3);
        StateDict weights = aggregator.randomStateDict(3);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            SlideAggregator rebuilt = SlideAggregator.fromStateDict(weights, manager);

            assertThat(rebuilt.outputs()).isEqualTo(3);
            assertThat(rebuilt.localVit().depth()).isEqualTo(1);
            StateDict back = rebuilt.toStateDict();
            for (String k : weights.keys()) {
                assertThat(back.get(k).data()).as(k).containsExactly(weights.get(k).data());
            }
        }
    }

    @Test
    void djlBlockForwardMirrorsThePyTorchForward() {
        VisionTransformer vit = TinyModels.vit4k();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            vit.load(vit.randomStateDict(9), manager);
            NDArray grid = manager.randomUniform(-1, 1, new Shape(2, 32, 3, 5));
            NDArray tokens = grid.reshape(2, 32, 15).transpose(0, 2, 1);

            NDArray viaBlock = vit.forward(new ParameterStore(manager, false), new NDList(grid), false)
                    .singletonOrThrow();
            NDArray direct = vit.forwardTokens(tokens, 3, 5, false).get(0);

            assertThat(viaBlock.getShape().getShape()).containsExactly(2, 24);
            assertThat(viaBlock.toFloatArray()).containsExactly(direct.toFloatArray());
        }
    }

    @Test
    void architectureIsReadFromTheWeights() {
        StateDict weights = VisionTransformer.vit256(3).randomStateDict(1);

        VisionTransformer vit = VisionTransformer.describedBy(weights, 6);

        assertThat(vit.stem()).isEqualTo(VisionTransformer.Stem.PATCH);
        assertThat(vit.depth()).isEqualTo(3);
        assertThat(vit.dim()).isEqualTo(384);
        assertThat(VisionTransformer.describedBy(VisionTransformer.vit4k(2).randomStateDict(1), 6).stem())
                .isEqualTo(VisionTransformer.Stem.PHI);
    }

    @Test
    void missingParameterIsAnErrorThatNamesIt() {
        StateDict weights = without(TinyModels.vit256().randomStateDict(1), "blocks.1.attn.qkv.bias");

        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            assertThatThrownBy(() -> VisionTransformer.fromStateDict(weights, 2, manager))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("'blocks.1.attn.qkv.bias'")
                    .hasMessageContaining("missing");
        }
    }

    @Test
    void misShapedParameterIsAnErrorThatNamesIt() {
        StateDict weights = replaced(TinyModels.vit256().randomStateDict(1), "blocks.0.mlp.fc1.weight",
                new Tensor(new long[] {64, 31}, new float[64 * 31]));

        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            assertThatThrownBy(() -> VisionTransformer.fromStateDict(weights, 2, manager))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("'blocks.0.mlp.fc1.weight'")
                    .hasMessageContaining("[64, 31]")
                    .hasMessageContaining("[64, 32]");
        }
    }

    @Test
    void regionEncoderRefusesAMisShapedCheckpointNamingTheParameter() {
        StateDict vit256 = replaced(VisionTransformer.vit256(1).randomStateDict(1), "blocks.0.attn.proj.bias",
                new Tensor(new long[] {383}, new float[383]));
        StateDict vit4k = VisionTransformer.vit4k(1).randomStateDict(2);

        assertThatThrownBy(() -> RegionEncoder.load(vit256, vit4k, new ModelOptions(DevicePreference.CPU, 8)))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'blocks.0.attn.proj.bias'");
    }

    @Test
    void regionEncoderRefusesCheckpointsInTheWrongSlots() {
        StateDict vit256 = VisionTransformer.vit256(1).randomStateDict(1);
        StateDict vit4k = VisionTransformer.vit4k(1).randomStateDict(2);
        ModelOptions cpu = new ModelOptions(DevicePreference.CPU, 8);

        assertThatThrownBy(() -> RegionEncoder.load(vit4k, vit256, cpu))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'patch_embed.proj.weight'");
    }

    @Test
    void slideHeadWithAMissingEncoderParameterIsAnErrorNamingIt() {
        StateDict weights = without(SlideAggregator.small(1, 2).randomStateDict(1),
                "global_transformer.layers.1.self_attn.in_proj_bias");

        assertThatThrownBy(() -> SlideHead.load(weights, new ModelOptions(DevicePreference.CPU, 8)))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'global_transformer.layers.1.self_attn.in_proj_bias'");
    }

    @Test
    void checkpointWithoutBlocksIsRefused() {
        StateDict weights = new StateDict(Map.of("cls_token", new Tensor(new long[] {1, 1, 4}, new float[4])));

        assertThatThrownBy(() -> VisionTransformer.describedBy(weights, 6))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("blocks.N");
    }

    static StateDict without(StateDict weights, String name) {
        Map<String, Tensor> map = new LinkedHashMap<>(weights.asMap());
        assertThat(map.remove(name)).as("test removes an existing parameter").isNotNull();
        return new StateDict(map);
    }

    static StateDict replaced(StateDict weights, String name, Tensor value) {
        Map<String, Tensor> map = new LinkedHashMap<>(weights.asMap());
        assertThat(map.put(name, value)).as("test replaces an existing parameter").isNotNull();
        return new StateDict(map);
    }

    static List<String> names(StateDict weights) {
        return List.copyOf(weights.keys());
    }
}
