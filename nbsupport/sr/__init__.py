"""Super-resolution pieces for notebook 04 (PAMS): images and MATLAB-exact degradation
(:mod:`images`, :mod:`degrade`), Y-channel PSNR/SSIM (:mod:`metrics`), the SKT distillation loss
(:mod:`skt`). The EDSR model is :mod:`nbsupport.models.edsr`; its quantizers are
:mod:`nbsupport.quant.symmetric`."""
