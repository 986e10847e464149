"""Super-resolution methods (used by the PAMS walkthrough, arXiv 2011.04212): images and
MATLAB-exact degradation (:mod:`images`, :mod:`degrade`), Y-channel PSNR/SSIM (:mod:`metrics`),
the SKT distillation loss (:mod:`skt`), training, quantizing and evaluating the models
(:mod:`train`). The EDSR model is :mod:`nbsupport.models.edsr`; its quantizers are
:mod:`nbsupport.quant.symmetric`."""
