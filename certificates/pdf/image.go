package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// pdfImage is an image ready to embed: decoded, converted and compressed once, when the
// Renderer is made, and copied as it is into every PDF that shows it.
type pdfImage struct {
	w, h  int
	dict  string // the XObject's entries but Length and SMask
	data  []byte
	alpha *pdfImage // the soft mask of an image with transparency
}

// loadImage reads a PNG or a JPEG. A JPEG goes into the PDF as it is (PDF reads JPEG); a PNG is
// decoded and its samples compressed again, with its transparency as a soft mask.
func loadImage(b []byte) (*pdfImage, error) {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("PNG: %v", err)
		}
		return fromImage(img), nil
	case bytes.HasPrefix(b, []byte{0xff, 0xd8}):
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("JPEG: %v", err)
		}
		var space string
		switch cfg.ColorModel {
		case color.GrayModel:
			space = "/DeviceGray"
		case color.YCbCrModel, color.RGBAModel:
			space = "/DeviceRGB"
		default:
			return nil, errors.New("JPEG in CMYK: convert it to RGB")
		}
		return &pdfImage{w: cfg.Width, h: cfg.Height, data: b,
			dict: fmt.Sprintf("/Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace%s/BitsPerComponent 8/Filter/DCTDecode",
				cfg.Width, cfg.Height, space)}, nil
	case bytes.HasPrefix(b, []byte("%PDF")):
		return nil, errors.New("a PDF: only PNG and JPEG images are supported (export the PDF's page as an image)")
	}
	return nil, errors.New("neither PNG nor JPEG")
}

// fromImage converts a decoded image to 8-bit grey or RGB samples and, when some pixel is not
// opaque, an alpha channel.
func fromImage(img image.Image) *pdfImage {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	gray := false
	switch img.(type) {
	case *image.Gray, *image.Gray16:
		gray = true
	}
	opaque := true
	if o, ok := img.(interface{ Opaque() bool }); ok {
		opaque = o.Opaque()
	}
	channels := 3
	space := "/DeviceRGB"
	if gray {
		channels, space = 1, "/DeviceGray"
	}
	samples := make([]byte, 0, w*h*channels)
	var alpha []byte
	if !opaque {
		alpha = make([]byte, 0, w*h)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if gray {
				samples = append(samples, color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
				continue
			}
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			samples = append(samples, c.R, c.G, c.B)
			if alpha != nil {
				alpha = append(alpha, c.A)
			}
		}
	}
	out := &pdfImage{w: w, h: h, data: compressBest(samples),
		dict: fmt.Sprintf("/Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace%s/BitsPerComponent 8/Filter/FlateDecode",
			w, h, space)}
	if alpha != nil {
		out.alpha = &pdfImage{w: w, h: h, data: compressBest(alpha),
			dict: fmt.Sprintf("/Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/DeviceGray/BitsPerComponent 8/Filter/FlateDecode",
				w, h)}
	}
	return out
}

// compressBest compresses data at zlib's best, once: an image is embedded in every certificate.
func compressBest(data []byte) []byte {
	var b bytes.Buffer
	z, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	z.Write(data)
	z.Close()
	return b.Bytes()
}
