// Golden check of the transfer-learning step against PyTorch (fixtures/training): resnet18 with a
// frozen backbone in train mode (BatchNorm batch statistics + running-stat updates), a new
// Linear(512, 2) head with the stored init, CrossEntropyLoss, 3 steps of SGD(momentum 0.9) and of
// Adam, then eval-mode logits.
#include "tests/support/catch.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "core/io/safetensors.h"
#include "core/models/resnet/resnet.h"
#include "core/training/trainer.h"
#include "core/training/transfer_model.h"
#include "tests/support/fixtures.h"

using namespace pictor;

namespace {

at::Tensor buffer(ResNetImpl& model, const std::string& name) {
    for (const auto& item : model.named_buffers()) {
        if (item.key() == name) return item.value();
    }
    FAIL("no buffer " << name);
    return {};
}

}  // namespace

TEST_CASE("transfer-learning steps equal PyTorch for SGD and Adam", "[training][golden]") {
    PICTOR_REQUIRE_FIXTURES(fixtures, "training");
    const SafetensorsFile expected(fixtures / "expected.safetensors");
    const at::Tensor batch = expected.load("batch");
    const at::Tensor labels = expected.load("labels").to(at::kLong);

    const std::string optimizer = GENERATE(as<std::string>{}, "sgd", "adam");
    INFO("optimizer " << optimizer);
    const std::string p = optimizer + "_";

    ResNet model = load_resnet(fixtures.parent_path() / "resnet" / "resnet18.pth");
    make_transfer_model(*model, 2, 0);
    {
        c10::NoGradGuard no_grad;
        model->fc->weight.copy_(expected.load("fc_init_weight"));
        model->fc->bias.copy_(expected.load("fc_init_bias"));
    }
    model->train();
    TrainParams params;
    params.optimizer = optimizer_from_name(optimizer);
    params.learning_rate = 1e-3;
    params.momentum = 0.9;
    HeadTrainer trainer(*model, params);

    const at::Tensor losses = expected.load(p + "losses");
    for (int step = 0; step < 3; ++step) {
        at::Tensor logits;
        const double loss = trainer.step(batch, labels, false, &logits);
        CHECK(loss == Approx(losses[step].item<double>()).margin(1e-5));
        if (step == 0) {
            CHECK(test::all_close(logits, expected.load(p + "step0_logits_train"), 1e-4, 0, "step0 logits"));
            CHECK(test::all_close(model->fc->weight.grad(), expected.load(p + "step0_fc_weight_grad"), 1e-6, 0,
                                  "step0 fc.weight grad"));
            CHECK(test::all_close(model->fc->bias.grad(), expected.load(p + "step0_fc_bias_grad"), 1e-6, 0,
                                  "step0 fc.bias grad"));
        }
        const std::string after = "_after_step" + std::to_string(step);
        CHECK(test::all_close(model->fc->weight, expected.load(p + "fc_weight" + after), 1e-6, 0, "fc.weight" + after));
        CHECK(test::all_close(model->fc->bias, expected.load(p + "fc_bias" + after), 1e-6, 0, "fc.bias" + after));
    }
    CHECK(test::all_close(model->fc->weight, expected.load(p + "final_fc_weight"), 1e-6, 0, "final fc.weight"));
    CHECK(test::all_close(model->fc->bias, expected.load(p + "final_fc_bias"), 1e-6, 0, "final fc.bias"));
    for (const std::string bn : {"bn1", "layer1.0.bn1", "layer4.1.bn2"}) {
        CHECK(test::all_close(buffer(*model, bn + ".running_mean"), expected.load(p + bn + "_running_mean"), 1e-5, 0,
                              bn + ".running_mean"));
        CHECK(test::all_close(buffer(*model, bn + ".running_var"), expected.load(p + bn + "_running_var"), 1e-5, 0,
                              bn + ".running_var"));
        CHECK(buffer(*model, bn + ".num_batches_tracked").item<int64_t>() ==
              expected.load(p + bn + "_num_batches_tracked").item<int64_t>());
    }
    // The backbone received no update: its parameters never required grad.
    for (const auto& item : model->named_parameters()) {
        if (item.key().rfind("fc.", 0) != 0) CHECK_FALSE(item.value().requires_grad());
    }
    model->eval();
    c10::NoGradGuard no_grad;
    CHECK(test::all_close(model->forward(batch), expected.load(p + "eval_logits"), 1e-4, 0, "eval logits"));
}

TEST_CASE("the new head is initialised like nn.Linear after torch.manual_seed(seed)", "[training]") {
    torch::nn::Linear a(512, 3), b(512, 3), c(512, 3);
    init_linear_like_pytorch(*a, 7);
    init_linear_like_pytorch(*b, 7);
    init_linear_like_pytorch(*c, 8);
    CHECK(at::equal(a->weight, b->weight));
    CHECK(at::equal(a->bias, b->bias));
    CHECK_FALSE(at::equal(a->weight, c->weight));
    const double bound = 1.0 / std::sqrt(512.0);
    CHECK(a->weight.abs().max().item<double>() <= bound);
    CHECK(a->weight.abs().max().item<double>() > 0.9 * bound);
    // torch.manual_seed(0); torch.empty(3).uniform_(-1, 1) → the first value of PyTorch's CPU
    // uniform stream for seed 0 is 0.4962566 (torch.rand(1) with seed 0) mapped to [-b, b).
    torch::nn::Linear d(512, 1);
    init_linear_like_pytorch(*d, 0);
    CHECK(d->weight[0][0].item<double>() == Approx((0.4962566 * 2 - 1) * bound).margin(1e-6));
}
